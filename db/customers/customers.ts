import type { Tx } from '../connection';
import { unprocessable, type AppError } from '../../lib/errors';

export interface CustomerRow {
  id: number;
  tenant_id: string;
  external_ref: string | null;
  email: string;
  name: string;
  phone: string | null;
  created_at: Date;
  updated_at: Date;
}

export interface CustomerInput {
  email: string;
  name: string;
  phone?: string | null;
  external_ref?: string | null;
}

/** Whom a request acts for: an existing customer (`known`: a token's own, not checked again), or one created or updated by e-mail. */
export type CustomerRef = { id: number; known: boolean } | { upsert: CustomerInput };

export const unknownCustomer = (): AppError => unprocessable('unknown_customer', 'The customer does not exist');

/** Creates the customer, or updates the one with this e-mail: tenant systems sync customers repeatedly. */
export async function upsertCustomer(
  tx: Tx,
  tenantId: string,
  input: CustomerInput,
): Promise<{ row: CustomerRow; created: boolean }> {
  const [row] = await tx('customers')
    .insert({ ...input, tenant_id: tenantId })
    .onConflict(['tenant_id', 'email'])
    .merge({
      name: input.name,
      phone: input.phone ?? null,
      ...(input.external_ref ? { external_ref: input.external_ref } : {}),
      updated_at: tx.fn.now(),
    })
    .returning(['*', tx.raw('(xmax = 0) as created')]);
  const { created, ...customer } = row as CustomerRow & { created: boolean };
  return { row: customer, created };
}

export async function getCustomer(tx: Tx, id: number): Promise<CustomerRow | undefined> {
  return tx<CustomerRow>('customers').where({ id }).first();
}

/** Whether a customer other than `exceptId` already has this e-mail (it is unique per tenant). */
export async function emailTakenByOther(tx: Tx, email: string, exceptId: number): Promise<boolean> {
  return Boolean(await tx('customers').where({ email }).whereNot({ id: exceptId }).first('id'));
}

export async function listCustomers(
  tx: Tx,
  filter: { q?: string; after?: number; limit: number },
): Promise<CustomerRow[]> {
  const q = tx<CustomerRow>('customers').orderBy('id').limit(filter.limit);
  if (filter.after) q.where('id', '>', filter.after);
  if (filter.q) {
    const like = `%${filter.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    q.where((w) => w.whereILike('email', like).orWhereILike('name', like));
  }
  return q;
}

export async function updateCustomer(tx: Tx, id: number, patch: Partial<CustomerInput>): Promise<CustomerRow> {
  const [row] = await tx('customers')
    .where({ id })
    .update({ ...patch, updated_at: tx.fn.now() })
    .returning('*');
  return row;
}
