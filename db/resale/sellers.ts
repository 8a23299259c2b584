import type { Tx } from '../connection';

export interface SellerRow {
  customer_id: number;
  tenant_id: string;
  verified: boolean;
  verified_at: Date | null;
  payout_account: string | null;
  updated_at: Date;
}

export async function getSeller(tx: Tx, customerId: number): Promise<SellerRow | undefined> {
  return tx<SellerRow>('resale_sellers').where({ customer_id: customerId }).first();
}

/**
 * Creates or changes a seller profile. `verified_at` is when the seller was last verified from
 * unverified, decided against the row the upsert meets, so concurrent verifications agree on it.
 */
export async function upsertSeller(
  tx: Tx,
  tenantId: string,
  customerId: number,
  patch: { verified?: boolean; payout_account?: string | null },
): Promise<SellerRow> {
  const verified = patch.verified === undefined ? {} : { verified_at: patch.verified ? tx.fn.now() : null };
  const reverified = patch.verified
    ? {
        verified_at: tx.raw(
          'case when resale_sellers.verified then resale_sellers.verified_at else excluded.verified_at end',
        ),
      }
    : verified;
  const [saved] = await tx('resale_sellers')
    .insert({ tenant_id: tenantId, customer_id: customerId, ...patch, ...verified })
    .onConflict('customer_id')
    .merge({ ...patch, ...reverified, updated_at: tx.fn.now() })
    .returning('*');
  return saved;
}
