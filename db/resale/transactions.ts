import type { Tx } from '../connection';

export interface ResaleTransactionRow {
  id: number;
  tenant_id: string;
  listing_id: number;
  order_id: number;
  buyer_customer_id: number;
  seller_customer_id: number;
  currency: string;
  sale_price_minor: number;
  platform_fee_minor: number;
  seller_payout_minor: number;
  payout_status: 'pending' | 'processing' | 'completed';
  payout_reference: string | null;
  payout_note: string | null;
  completed_at: Date | null;
  created_at: Date;
}

export async function getTransaction(
  tx: Tx,
  id: number,
  opts: { lock?: boolean } = {},
): Promise<ResaleTransactionRow | undefined> {
  const q = tx<ResaleTransactionRow>('resale_transactions').where({ id }).first();
  return opts.lock ? q.forUpdate() : q;
}

export async function getTransactionOfListing(tx: Tx, listingId: number): Promise<ResaleTransactionRow | undefined> {
  return tx<ResaleTransactionRow>('resale_transactions').where({ listing_id: listingId }).first();
}

/** The sale as sold: price, fee and what the seller is owed, its payout pending. */
export async function insertTransaction(
  tx: Tx,
  row: Pick<
    ResaleTransactionRow,
    | 'tenant_id'
    | 'listing_id'
    | 'order_id'
    | 'buyer_customer_id'
    | 'seller_customer_id'
    | 'currency'
    | 'sale_price_minor'
    | 'platform_fee_minor'
    | 'seller_payout_minor'
  >,
): Promise<ResaleTransactionRow> {
  const [inserted] = (await tx('resale_transactions').insert(row).returning('*')) as ResaleTransactionRow[];
  return inserted;
}

export async function setPayoutProcessing(tx: Tx, transactionId: number): Promise<void> {
  await tx('resale_transactions')
    .where({ id: transactionId, payout_status: 'pending' })
    .update({ payout_status: 'processing' });
}

/** Records the payout; false when it was already recorded, so a retried activity changes nothing. */
export async function recordPayoutCompleted(
  tx: Tx,
  transactionId: number,
  payout: { reference: string; note?: string },
): Promise<boolean> {
  const updated = await tx('resale_transactions')
    .where({ id: transactionId })
    .whereNot({ payout_status: 'completed' })
    .update({
      payout_status: 'completed',
      payout_reference: payout.reference,
      payout_note: payout.note ?? null,
      completed_at: tx.fn.now(),
    })
    .returning('id');
  return updated.length > 0;
}
