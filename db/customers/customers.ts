import type { Tx } from '../connection';
import { unprocessable, type AppError } from '../../lib/errors';
import { recordConsent, type ConsentChange } from '../crm/consents';

export interface CustomerRow {
  id: number;
  tenant_id: string;
  external_ref: string | null;
  email: string;
  name: string;
  phone: string | null;
  /** A `date`: pg reads it as local midnight of that day. */
  birthday: Date | null;
  /** ISO 3166-1 alpha-2. */
  country: string | null;
  city: string | null;
  tags: string[];
  /** Current e-mail marketing consent; every change is in the consent ledger (`db/crm/consents.ts`). */
  marketing_consent: boolean;
  /** Set when the customer's personal data was erased (GDPR); orders and tickets remain. */
  erased_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

/** Profile data segmentation uses; left as stored when absent, cleared by null. */
export interface CustomerProfileInput {
  birthday?: string | null;
  country?: string | null;
  city?: string | null;
  tags?: string[];
  /** Recorded in the consent ledger when it changes the current consent. */
  marketing_consent?: { granted: boolean; source: string };
}

export interface CustomerInput extends CustomerProfileInput {
  email: string;
  name: string;
  phone?: string | null;
  external_ref?: string | null;
}

const definedOnly = <T extends object>(o: T): Partial<T> =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;

/** Splits consent (a ledger entry, not a column write) from the columns of an input. */
function columnsOf<T extends CustomerProfileInput>(
  input: T,
): { columns: Omit<T, 'marketing_consent'>; consent?: ConsentChange } {
  const { marketing_consent, ...columns } = input;
  return { columns, consent: marketing_consent && { channel: 'email', ...marketing_consent } };
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
  const { columns, consent } = columnsOf(input);
  const [row] = await tx('customers')
    .insert({ ...definedOnly(columns), tenant_id: tenantId })
    .onConflict(['tenant_id', 'email'])
    .merge({
      name: input.name,
      phone: input.phone ?? null,
      ...(input.external_ref ? { external_ref: input.external_ref } : {}),
      ...definedOnly({ birthday: input.birthday, country: input.country, city: input.city, tags: input.tags }),
      updated_at: tx.fn.now(),
    })
    .returning(['*', tx.raw('(xmax = 0) as created')]);
  const { created, ...customer } = row as CustomerRow & { created: boolean };
  if (!consent) return { row: customer, created };
  await recordConsent(tx, tenantId, customer.id, consent);
  return { row: (await getCustomer(tx, customer.id)) ?? customer, created };
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

export async function updateCustomer(
  tx: Tx,
  tenantId: string,
  id: number,
  patch: Partial<CustomerInput>,
): Promise<CustomerRow> {
  const { columns, consent } = columnsOf(patch);
  const [row] = await tx('customers')
    .where({ id })
    .update({ ...definedOnly(columns), updated_at: tx.fn.now() })
    .returning('*');
  if (!consent) return row;
  await recordConsent(tx, tenantId, id, consent);
  return (await getCustomer(tx, id)) ?? row;
}

/** The placeholder address of an erased customer: unique per id, never deliverable (RFC 2606 `.invalid`). */
export const erasedEmail = (id: number): string => `erased-${id}@erased.invalid`;

/**
 * Erases a customer's personal data (GDPR art. 17): name, e-mail, phone, birthday and city are
 * replaced or cleared, and `erased_at` set. Orders and tickets stay (financial records). Returns
 * the row, or undefined when it was already erased. Consent is withdrawn by the caller.
 */
export async function eraseCustomer(tx: Tx, id: number): Promise<CustomerRow | undefined> {
  const [row] = await tx('customers')
    .where({ id })
    .whereNull('erased_at')
    .update({
      name: 'Erased customer',
      email: erasedEmail(id),
      phone: null,
      birthday: null,
      city: null,
      erased_at: tx.fn.now(),
      updated_at: tx.fn.now(),
    })
    .returning('*');
  return row;
}

/** Adds and removes tags of a customer in one statement (tags stay unique and sorted). */
export async function changeTags(
  tx: Tx,
  id: number,
  change: { add?: string[]; remove?: string[] },
): Promise<CustomerRow> {
  const { rows } = await tx.raw(
    `update customers set tags = coalesce((
       select array_agg(distinct t order by t) from unnest(tags || ?::text[]) t where t <> all(?::text[])
     ), '{}'), updated_at = now()
     where id = ? returning *`,
    [change.add ?? [], change.remove ?? [], id],
  );
  return rows[0] as CustomerRow;
}
