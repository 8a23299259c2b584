import { AfterParam, limitParam } from '../schemas/common';
import { z } from 'zod';
import { MODULES, PLANS } from '../../domain/platform/plans';

export const ModuleParams = z.object({ module: z.enum(MODULES) });

export const UpdateModule = z.strictObject({
  enabled: z.boolean().optional(),
  plan: z.enum(PLANS).optional(),
  rollout_percent: z
    .number()
    .int()
    .min(0)
    .max(100)
    .optional()
    .meta({ description: "Share of the tenant's events the module is on for" }),
  settings: z.record(z.string().max(100), z.unknown()).optional(),
});

export const Module = z
  .object({
    module: z.enum(MODULES),
    name: z.string(),
    enabled: z.boolean(),
    plan: z.enum(PLANS),
    rollout_percent: z.number().int(),
    base_fee_minor: z.number().int(),
    settings: z.record(z.string(), z.unknown()),
  })
  .meta({ id: 'Module' });

export const UsageQuery = z.object({
  month: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'YYYY-MM'),
});

export const Invoice = z
  .object({
    month: z.string(),
    currency: z.literal('EUR'),
    lines: z.array(
      z.object({
        kind: z.enum(['base', 'usage']),
        code: z.string(),
        description: z.string(),
        quantity: z.number().int(),
        amount_minor: z.number().int(),
      }),
    ),
    total_minor: z.number().int(),
  })
  .meta({ id: 'Invoice' });

export const AuditQuery = z.object({
  entity_type: z.string().max(50).optional(),
  entity_id: z.string().max(100).optional(),
  actor_type: z.enum(['api_key', 'customer', 'workflow', 'system', 'operator']).optional(),
  action: z.string().max(200).optional(),
  since: z.iso.datetime({ offset: true }).optional(),
  limit: limitParam(200, 50),
  after: AfterParam.optional(),
});

export const AuditRecord = z
  .object({
    id: z.number().int(),
    actor: z.object({ type: z.string(), id: z.string() }),
    action: z.string(),
    entity_type: z.string(),
    entity_id: z.string().nullable(),
    before: z.unknown(),
    after: z.unknown(),
    occurred_at: z.string(),
  })
  .meta({ id: 'AuditRecord' });
