import type { Tx } from '../connection';

export type UpsellProductType = 'addon' | 'upgrade' | 'bundle' | 'external';
export type DisplayIn = 'cart' | 'checkout' | 'confirmation' | 'all';

export interface ProductVariant {
  key: string;
  label: string;
}

export interface BundleItem {
  ticket_type_id?: number;
  product_id?: number;
  quantity: number;
}

export interface UpsellProductRow {
  id: number;
  tenant_id: string;
  event_id: number | null;
  name: string;
  description: string | null;
  type: UpsellProductType;
  category: string | null;
  price_minor: number;
  original_price_minor: number | null;
  currency: string;
  inventory: number | null;
  reserved: number;
  sold: number;
  image_url: string | null;
  display_in: DisplayIn;
  variants: ProductVariant[];
  per_order_limit: number | null;
  per_ticket_limit: number | null;
  sale_starts_at: Date | null;
  sale_ends_at: Date | null;
  requires_redemption: boolean;
  upgrade_ticket_type_id: number | null;
  bundle_items: BundleItem[];
  external_url: string | null;
  affiliate_code: string | null;
  status: 'active' | 'inactive';
  created_at: Date;
  updated_at: Date;
}

/** The columns a tenant sets; the counters (`reserved`, `sold`) belong to buying. */
export type ProductInput = Omit<
  UpsellProductRow,
  'id' | 'tenant_id' | 'reserved' | 'sold' | 'created_at' | 'updated_at'
>;

const JSON_COLUMNS = ['variants', 'bundle_items'] as const;

function toColumns(input: Partial<ProductInput>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...input };
  for (const c of JSON_COLUMNS) if (input[c] !== undefined) out[c] = JSON.stringify(input[c]);
  return out;
}

export async function insertProduct(tx: Tx, tenantId: string, input: ProductInput): Promise<UpsellProductRow> {
  const [row] = await tx('upsell_products')
    .insert({ ...toColumns(input), tenant_id: tenantId })
    .returning('*');
  return row;
}

export async function getProduct(tx: Tx, id: number): Promise<UpsellProductRow | undefined> {
  return tx<UpsellProductRow>('upsell_products').where({ id }).first();
}

/** The tenant's products among `ids` (others are missing from the map). */
export async function productsByIds(tx: Tx, ids: number[]): Promise<Map<number, UpsellProductRow>> {
  if (!ids.length) return new Map();
  const rows = await tx<UpsellProductRow>('upsell_products').whereIn('id', ids);
  return new Map(rows.map((r) => [r.id, r]));
}

export async function listProducts(
  tx: Tx,
  opts: { limit: number; after?: number; eventId?: number; type?: UpsellProductType; status?: 'active' | 'inactive' },
): Promise<UpsellProductRow[]> {
  const q = tx<UpsellProductRow>('upsell_products')
    .where('id', '>', opts.after ?? 0)
    .orderBy('id')
    .limit(opts.limit);
  if (opts.eventId) q.andWhere({ event_id: opts.eventId });
  if (opts.type) q.andWhere({ type: opts.type });
  if (opts.status) q.andWhere({ status: opts.status });
  return q;
}

export async function updateProduct(
  tx: Tx,
  id: number,
  patch: Partial<ProductInput>,
): Promise<UpsellProductRow | undefined> {
  const [row] = await tx('upsell_products')
    .where({ id })
    .update({ ...toColumns(patch), updated_at: tx.fn.now() })
    .returning('*');
  return row;
}

/** Locks the product row so a change of inventory is judged against counters no buyer is moving. */
export async function lockProduct(tx: Tx, id: number): Promise<UpsellProductRow | undefined> {
  return tx<UpsellProductRow>('upsell_products').where({ id }).forUpdate().first();
}

export async function deleteProduct(tx: Tx, id: number): Promise<UpsellProductRow | undefined> {
  const [row] = await tx<UpsellProductRow>('upsell_products').where({ id }).delete().returning('*');
  return row;
}

/** Whether any bundle of the tenant includes the product (it cannot be deleted then). */
export async function bundlesIncluding(tx: Tx, productId: number): Promise<number[]> {
  const rows: { id: number }[] = await tx('upsell_products')
    .where({ type: 'bundle' })
    .whereRaw(`bundle_items @> ?::jsonb`, [JSON.stringify([{ product_id: productId }])])
    .select('id');
  return rows.map((r) => Number(r.id));
}
