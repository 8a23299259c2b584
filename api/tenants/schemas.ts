import { z } from 'zod';
import { SCOPES } from '../../lib/credentials';
import { text } from '../schemas/common';

export const ApiKey = z
  .object({
    id: z.number().int(),
    name: z.string(),
    prefix: z.string().meta({ description: 'First characters of the key, to recognise it' }),
    scopes: z.array(z.enum(SCOPES)),
    created_at: z.string(),
    last_used_at: z.string().nullable(),
    revoked_at: z.string().nullable(),
  })
  .meta({ id: 'ApiKey' });

export const CreateApiKey = z.strictObject({
  name: text(100),
  scopes: z.array(z.enum(SCOPES)).min(1).max(4),
});

export const CreatedApiKey = ApiKey.extend({ key: z.string().meta({ description: 'Shown once; store it now' }) });

export const Tenant = z
  .object({
    id: z.string(),
    name: z.string(),
    contact_email: z
      .string()
      .nullable()
      .meta({ description: 'Where Usher sends operational notices (e.g. a disabled webhook)' }),
    created_at: z.string(),
  })
  .meta({ id: 'Tenant' });

export const UpdateTenant = z.strictObject({
  name: text(200).optional(),
  contact_email: z.email().max(254).nullable().optional(),
});
