import type { Tx } from '../connection';
import { AppError } from '../../lib/errors';
import { purchaseRefusal, unitsByProduct, type PurchaseRefusal } from '../../domain/upsells/purchases';
import { isModuleEnabled } from '../platform/modules';
import { productsByIds, type UpsellProductRow } from './catalog-products';

export interface UpsellLineInput {
  productId: number;
  quantity: number;
  variant?: string;
  /** The offer (`GET /api/upsells/offers`) the buyer took, so its conversion is attributed. */
  offerId?: string;
}

export interface ReservedUpsellLine extends UpsellLineInput {
  kind: 'addon' | 'bundle';
  unitPriceMinor: number;
  currency: string;
}

export interface ReservedUpsells {
  lines: ReservedUpsellLine[];
  totalMinor: number;
}

const MESSAGES: Record<PurchaseRefusal['code'], string> = {
  unknown_product: 'Upsell product not found',
  not_purchasable: 'This product cannot be bought as an add-on',
  wrong_event: 'This product belongs to another event',
  upsell_not_on_sale: 'This product is not on sale at this time',
  currency_mismatch: "The product's currency is not the order's",
  variant_required: 'Pick one of the product variants',
  unknown_variant: 'The product has no such variant',
  variant_not_offered: 'The product has no variants',
  per_order_limit: 'More units than the per-order limit',
  per_ticket_limit: 'More units than the per-ticket limit allows for the tickets of this order',
};

/**
 * Holds `n` more units of a product when they still fit its inventory (`reserved + sold + n <=
 * inventory`, a null inventory being unlimited): one conditional update, so of concurrent buyers of
 * the last unit exactly one gets it. False when they do not fit.
 */
export async function reserveProductUnits(tx: Tx, productId: number, n: number): Promise<boolean> {
  const rows = await tx('upsell_products')
    .where({ id: productId })
    .andWhereRaw('(inventory is null or reserved + sold + ? <= inventory)', [n])
    .increment('reserved', n)
    .returning('id');
  return rows.length > 0;
}

/**
 * Validates an order's add-on and bundle lines and reserves their units, in product-id order so
 * concurrent orders never deadlock. Called inside the order's transaction: a refusal reserves nothing.
 */
export async function reserveUpsellLines(
  tx: Tx,
  input: {
    eventId: number;
    currency: string;
    ticketCount: number;
    lines: UpsellLineInput[];
    now: Date;
    held?: ReadonlyMap<number, number>;
  },
): Promise<ReservedUpsells> {
  if (!input.lines.length) return { lines: [], totalMinor: 0 };
  if (!(await isModuleEnabled(tx, 'upsells', input.eventId)))
    throw new AppError(403, 'module_not_enabled', 'The upsells module is not enabled');
  const products: Map<number, UpsellProductRow> = await productsByIds(
    tx,
    input.lines.map((l) => l.productId),
  );
  const refusal = purchaseRefusal(input.lines, products, {
    eventId: input.eventId,
    currency: input.currency,
    ticketCount: input.ticketCount,
    held: input.held ?? new Map(),
    now: input.now,
  });
  if (refusal) {
    const { status, code, ...details } = refusal;
    throw new AppError(status, code === 'unknown_product' ? 'not_found' : code, MESSAGES[code], {
      product_id: details.productId,
      ...('limit' in details ? { limit: details.limit } : {}),
    });
  }
  for (const [productId, n] of unitsByProduct(input.lines)) {
    if (!(await reserveProductUnits(tx, productId, n)))
      throw new AppError(409, 'upsell_sold_out', `Not enough units left of upsell product ${productId}`, {
        product_id: productId,
        requested: n,
      });
  }
  const lines = input.lines.map((l) => {
    const p = products.get(l.productId) as UpsellProductRow;
    return { ...l, kind: p.type as 'addon' | 'bundle', unitPriceMinor: p.price_minor, currency: p.currency.trim() };
  });
  return { lines, totalMinor: lines.reduce((s, l) => s + l.quantity * l.unitPriceMinor, 0) };
}

/** Records reserved lines on an order; `paymentId` when they are paid apart from it (bought after purchase). */
export async function insertUpsellLines(
  tx: Tx,
  tenantId: string,
  orderId: number,
  reserved: ReservedUpsells,
  paymentId: number | null = null,
): Promise<void> {
  if (!reserved.lines.length) return;
  await tx('upsell_order_lines').insert(
    reserved.lines.map((l) => ({
      tenant_id: tenantId,
      order_id: orderId,
      product_id: l.productId,
      kind: l.kind,
      payment_id: paymentId,
      quantity: l.quantity,
      variant: l.variant ?? null,
      unit_price_minor: l.unitPriceMinor,
      currency: l.currency,
      offer_id: l.offerId ?? null,
    })),
  );
}
