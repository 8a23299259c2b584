import type { z } from 'zod';
import type { CustomerRow } from '../../db/customers/customers';
import type { Customer } from './schemas';

export const toCustomer = (c: CustomerRow): z.infer<typeof Customer> => ({
  id: c.id,
  external_ref: c.external_ref,
  email: c.email,
  name: c.name,
  phone: c.phone,
  created_at: c.created_at.toISOString(),
});
