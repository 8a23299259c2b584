import { z } from 'zod';
import { AfterParam, Email, ExternalRef, limitParam, optionalText, text } from '../schemas/common';

export const CustomerInput = z.strictObject({
  email: Email,
  name: text(200),
  phone: optionalText(40),
  external_ref: ExternalRef.optional(),
});

export const UpdateCustomer = z.strictObject({
  email: Email.optional(),
  name: text(200).optional(),
  phone: optionalText(40),
});

export const Customer = z
  .object({
    id: z.number().int(),
    external_ref: z.string().nullable(),
    email: z.string(),
    name: z.string(),
    phone: z.string().nullable(),
    created_at: z.string(),
  })
  .meta({ id: 'Customer' });

export const CustomerQuery = z.object({
  q: z.string().trim().min(1).max(200).optional().meta({ description: 'Search by e-mail or name' }),
  limit: limitParam(200, 50),
  after: AfterParam.optional(),
});

export const CreateCustomerToken = z.strictObject({
  ttl_seconds: z.number().int().min(30).max(86_400).optional(),
});

export const CustomerToken = z
  .object({
    token: z.string(),
    customer_id: z.number().int(),
    expires_at: z.string(),
  })
  .meta({ id: 'CustomerToken' });

export const CustomerMetrics = z
  .object({
    customer_id: z.number().int(),
    total_orders: z.number().int(),
    total_spent_minor: z.number().int(),
    currency: z.string().nullable(),
    avg_order_value_minor: z.number().int(),
    first_purchase_at: z.string().nullable(),
    last_purchase_at: z.string().nullable(),
  })
  .meta({ id: 'CustomerMetrics' });
