import type { Tx } from '../connection';

/** A payment for add-ons or an upgrade bought after the order was paid: the difference, in the order's currency. */
export interface UpsellPaymentRow {
  id: number;
  tenant_id: string;
  order_id: number;
  amount_minor: number;
  currency: string;
  provider: string;
  reference: string | null;
  client_secret: string | null;
  status: 'pending' | 'paid' | 'failed';
  created_at: Date;
  paid_at: Date | null;
  /** When a pending payment's lines give their units back (its expiry workflow acts then). */
  expires_at: Date | null;
  /** A destination charge's connected account (Stripe `acct_...`), which got the money; null otherwise. */
  destination_account: string | null;
  /** The commission the platform kept from a destination charge as its application fee; null otherwise. */
  application_fee_minor: number | null;
}

export async function insertUpsellPayment(
  tx: Tx,
  tenantId: string,
  payment: Pick<UpsellPaymentRow, 'order_id' | 'amount_minor' | 'currency' | 'provider'>,
): Promise<UpsellPaymentRow> {
  const [row] = (await tx('upsell_payments')
    .insert({ ...payment, tenant_id: tenantId })
    .returning('*')) as UpsellPaymentRow[];
  return row;
}

export async function getUpsellPayment(
  tx: Tx,
  id: number,
  opts: { lock?: boolean } = {},
): Promise<UpsellPaymentRow | undefined> {
  const q = tx<UpsellPaymentRow>('upsell_payments').where({ id }).first();
  return opts.lock ? q.forUpdate() : q;
}

export async function listUpsellPayments(tx: Tx, orderId: number): Promise<UpsellPaymentRow[]> {
  return tx<UpsellPaymentRow>('upsell_payments').where({ order_id: orderId }).orderBy('id');
}

export async function recordUpsellPaymentAttempt(
  tx: Tx,
  id: number,
  reference: string,
  clientSecret: string | null,
): Promise<void> {
  await tx('upsell_payments').where({ id }).update({ reference, client_secret: clientSecret });
}

/** Closes a pending payment as paid or failed; false when it was no longer pending (settled by another call). */
export async function closeUpsellPayment(tx: Tx, id: number, status: 'paid' | 'failed'): Promise<boolean> {
  const n = await tx('upsell_payments')
    .where({ id, status: 'pending' })
    .update({ status, ...(status === 'paid' ? { paid_at: tx.fn.now() } : {}) });
  return n > 0;
}

/**
 * A pending payment's window (its expiry workflow releases its lines then, unless it was paid) and, for a
 * destination charge, where the money goes and the fee the platform keeps, recorded before the provider is asked.
 */
export async function openUpsellPayment(
  tx: Tx,
  id: number,
  input: { expiresAt: Date; destination: { account: string; applicationFeeMinor: number } | null },
): Promise<void> {
  await tx('upsell_payments')
    .where({ id, status: 'pending' })
    .update({
      expires_at: input.expiresAt,
      destination_account: input.destination?.account ?? null,
      application_fee_minor: input.destination?.applicationFeeMinor ?? null,
    });
}
