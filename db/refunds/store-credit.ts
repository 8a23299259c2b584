import type { Tx } from '../connection';
import { unprocessable } from '../../lib/errors';

export const CREDIT_KINDS = ['refund_credit', 'exchange', 'order_payment', 'adjustment'] as const;
export type CreditKind = (typeof CREDIT_KINDS)[number];

export interface CreditEntryRow {
  id: number;
  tenant_id: string;
  customer_id: number;
  currency: string;
  amount_minor: number;
  kind: CreditKind;
  refund_request_id: number | null;
  order_id: number | null;
  note: string | null;
  idempotency_key: string;
  created_at: Date;
}

export interface CreditEntryInput {
  customerId: number;
  currency: string;
  /** Positive adds credit, negative spends it. */
  amountMinor: number;
  kind: CreditKind;
  /** Names the operation, so a retried one is booked once. */
  idempotencyKey: string;
  refundRequestId?: number;
  orderId?: number;
  note?: string;
}

/** The balance is always derived from the ledger. */
export async function creditBalance(tx: Tx, customerId: number, currency: string): Promise<number> {
  const [{ balance }] = (await tx('store_credit_entries')
    .where({ customer_id: customerId, currency })
    .select(tx.raw('coalesce(sum(amount_minor), 0)::int as balance'))) as unknown as { balance: number }[];
  return balance;
}

export async function creditBalances(
  tx: Tx,
  customerId: number,
): Promise<{ currency: string; balance_minor: number }[]> {
  const rows = (await tx('store_credit_entries')
    .where({ customer_id: customerId })
    .groupBy('currency')
    .orderBy('currency')
    .select('currency', tx.raw('sum(amount_minor)::int as balance_minor'))) as {
    currency: string;
    balance_minor: number;
  }[];
  return rows.map((r) => ({ currency: r.currency.trim(), balance_minor: r.balance_minor }));
}

export async function listCreditEntries(
  tx: Tx,
  customerId: number,
  page: { after?: number; limit: number },
): Promise<CreditEntryRow[]> {
  const q = tx<CreditEntryRow>('store_credit_entries')
    .where({ customer_id: customerId })
    .orderBy('id')
    .limit(page.limit);
  if (page.after) q.where('id', '>', page.after);
  return q;
}

/**
 * Books one ledger entry, once per idempotency key. Spending locks the customer row first, so two
 * orders paying with the same credit at once see each other's debit: the balance never goes below zero.
 */
export async function bookCredit(tx: Tx, tenantId: string, entry: CreditEntryInput): Promise<CreditEntryRow> {
  if (entry.amountMinor < 0) {
    await tx('customers').where({ id: entry.customerId }).forUpdate().first('id');
    const existing = await tx<CreditEntryRow>('store_credit_entries')
      .where({ idempotency_key: entry.idempotencyKey })
      .first();
    if (existing) return existing;
    const balance = await creditBalance(tx, entry.customerId, entry.currency);
    if (balance + entry.amountMinor < 0) {
      throw unprocessable(
        'insufficient_credit',
        `The customer has ${balance} ${entry.currency} minor units of store credit; ${-entry.amountMinor} are needed`,
        { balance_minor: balance, needed_minor: -entry.amountMinor },
      );
    }
  }
  const [row] = (await tx('store_credit_entries')
    .insert({
      tenant_id: tenantId,
      customer_id: entry.customerId,
      currency: entry.currency,
      amount_minor: entry.amountMinor,
      kind: entry.kind,
      refund_request_id: entry.refundRequestId ?? null,
      order_id: entry.orderId ?? null,
      note: entry.note ?? null,
      idempotency_key: entry.idempotencyKey,
    })
    .onConflict(['tenant_id', 'idempotency_key'])
    .ignore()
    .returning('*')) as CreditEntryRow[];
  return (
    row ??
    ((await tx<CreditEntryRow>('store_credit_entries')
      .where({ idempotency_key: entry.idempotencyKey })
      .first()) as CreditEntryRow)
  );
}
