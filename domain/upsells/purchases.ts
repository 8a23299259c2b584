import { meterAmount } from '../platform/plans';

/** What the buying rules look at of a product (a subset of its row). */
export interface BuyableProduct {
  id: number;
  event_id: number | null;
  type: 'addon' | 'upgrade' | 'bundle' | 'external';
  status: 'active' | 'inactive';
  price_minor: number;
  currency: string;
  variants: { key: string }[];
  per_order_limit: number | null;
  per_ticket_limit: number | null;
  sale_starts_at: Date | null;
  sale_ends_at: Date | null;
}

export interface WantedLine {
  productId: number;
  quantity: number;
  variant?: string;
}

export type PurchaseRefusal =
  | { status: 404; code: 'unknown_product' }
  | { status: 422; code: 'not_purchasable' | 'wrong_event' | 'upsell_not_on_sale' | 'currency_mismatch' }
  | { status: 422; code: 'variant_required' | 'unknown_variant' | 'variant_not_offered' }
  | { status: 422; code: 'per_order_limit' | 'per_ticket_limit'; limit: number };

export interface PurchaseContext {
  eventId: number;
  currency: string;
  /** Tickets the order holds (or buys): a per-ticket limit scales with them. */
  ticketCount: number;
  /** Units of each product the order already holds (a post-purchase add-on counts them against its limits). */
  held: ReadonlyMap<number, number>;
  now: Date;
}

/**
 * Why an order may not take these lines of add-ons and bundles, or null when it may. Limits count
 * every line of a product together (sizes of one T-shirt share its per-order limit) plus what the
 * order already holds. Inventory is not judged here: Postgres decides that when reserving.
 */
export function purchaseRefusal(
  lines: readonly WantedLine[],
  products: ReadonlyMap<number, BuyableProduct>,
  ctx: PurchaseContext,
): (PurchaseRefusal & { productId: number }) | null {
  const units = new Map(ctx.held);
  for (const l of lines) units.set(l.productId, (units.get(l.productId) ?? 0) + l.quantity);
  for (const l of lines) {
    const refuse = (r: PurchaseRefusal) => ({ ...r, productId: l.productId });
    const p = products.get(l.productId);
    if (!p) return refuse({ status: 404, code: 'unknown_product' });
    if (p.status !== 'active' || (p.type !== 'addon' && p.type !== 'bundle'))
      return refuse({ status: 422, code: 'not_purchasable' });
    if (p.event_id !== null && p.event_id !== ctx.eventId) return refuse({ status: 422, code: 'wrong_event' });
    if ((p.sale_starts_at && ctx.now < p.sale_starts_at) || (p.sale_ends_at && ctx.now >= p.sale_ends_at))
      return refuse({ status: 422, code: 'upsell_not_on_sale' });
    if (p.currency.trim() !== ctx.currency) return refuse({ status: 422, code: 'currency_mismatch' });
    if (p.variants.length && l.variant === undefined) return refuse({ status: 422, code: 'variant_required' });
    if (l.variant !== undefined && !p.variants.length) return refuse({ status: 422, code: 'variant_not_offered' });
    if (l.variant !== undefined && !p.variants.some((v) => v.key === l.variant))
      return refuse({ status: 422, code: 'unknown_variant' });
    const total = units.get(l.productId) ?? 0;
    if (p.per_order_limit !== null && total > p.per_order_limit)
      return refuse({ status: 422, code: 'per_order_limit', limit: p.per_order_limit });
    if (p.per_ticket_limit !== null && total > p.per_ticket_limit * ctx.ticketCount)
      return refuse({ status: 422, code: 'per_ticket_limit', limit: p.per_ticket_limit * ctx.ticketCount });
  }
  return null;
}

/** Each product's units among lines, in product-id order: reservations take rows in one order so buyers never deadlock. */
export function unitsByProduct(lines: readonly { productId: number; quantity: number }[]): [number, number][] {
  const units = new Map<number, number>();
  for (const l of lines) units.set(l.productId, (units.get(l.productId) ?? 0) + l.quantity);
  return [...units.entries()].sort((a, b) => a[0] - b[0]);
}

/**
 * What an upgrade costs: the price the organiser set on the upgrade, or when that is zero the
 * difference between the target ticket type's price and what the ticket cost (never negative).
 */
export function upgradeCharge(productPriceMinor: number, paidUnitMinor: number, targetUnitMinor: number): number {
  return productPriceMinor > 0 ? productPriceMinor : Math.max(targetUnitMinor - paidUnitMinor, 0);
}

/** The 3% commission on a line's revenue, as the monthly bill meters it (`upsells.commission`). */
export function lineCommissionMinor(line: { quantity: number; unit_price_minor: number }): number {
  return meterAmount('upsells.commission', line.quantity, line.quantity * line.unit_price_minor);
}

/**
 * The commission on a payment's lines, line by line as the bill meters it, so the application fee the
 * platform keeps from a destination charge is exactly what its settlement meters.
 */
export function commissionMinor(lines: readonly { quantity: number; unit_price_minor: number }[]): number {
  return lines.reduce((sum, l) => sum + lineCommissionMinor(l), 0);
}

/**
 * The product each voucher of a paid line admits to, one entry per code: each unit of the line's product
 * when it needs redemption, and for a bundle each redeemable component (`redeemable`) as many times as
 * the bundle holds it per unit, so a bundle of parking and two drinks bought twice gives two parking codes
 * and four drink codes.
 */
export function voucherProducts(
  quantity: number,
  product: { id: number; requires_redemption: boolean; bundle_items: { product_id?: number; quantity: number }[] },
  redeemable: ReadonlySet<number>,
): number[] {
  const own = product.requires_redemption ? Array.from({ length: quantity }, () => product.id) : [];
  const components = product.bundle_items.flatMap((item) =>
    item.product_id !== undefined && redeemable.has(item.product_id)
      ? Array.from({ length: item.quantity * quantity }, () => item.product_id as number)
      : [],
  );
  return [...own, ...components];
}
