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

export async function upsertSeller(
  tx: Tx,
  tenantId: string,
  customerId: number,
  patch: { verified?: boolean; payout_account?: string | null },
): Promise<SellerRow> {
  const row = {
    ...patch,
    ...(patch.verified !== undefined ? { verified_at: patch.verified ? tx.fn.now() : null } : {}),
  };
  const [saved] = await tx('resale_sellers')
    .insert({ tenant_id: tenantId, customer_id: customerId, ...row })
    .onConflict('customer_id')
    .merge({ ...row, updated_at: tx.fn.now() })
    .returning('*');
  return saved;
}
