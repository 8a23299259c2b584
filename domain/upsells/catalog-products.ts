import type { FieldError } from '../../lib/errors';

/** What the cross-field checks of a product look at (a new product, or a stored one with a patch applied). */
export interface ProductShape {
  type: 'addon' | 'upgrade' | 'bundle' | 'external';
  price_minor: number;
  original_price_minor: number | null;
  upgrade_ticket_type_id: number | null;
  bundle_items: { ticket_type_id?: number; product_id?: number; quantity: number }[];
  external_url: string | null;
  sale_starts_at: Date | string | null;
  sale_ends_at: Date | string | null;
  per_order_limit: number | null;
  per_ticket_limit: number | null;
}

const err = (path: string, message: string): FieldError => ({ path: `body.${path}`, message, code: 'invalid_product' });

/** The rules that tie a product's fields together; each problem names the field to fix. */
export function productShapeErrors(p: ProductShape): FieldError[] {
  const out: FieldError[] = [];
  if (p.type === 'upgrade' && p.upgrade_ticket_type_id === null)
    out.push(err('upgrade_ticket_type_id', 'an upgrade names the ticket type it moves a ticket to'));
  if (p.type !== 'upgrade' && p.upgrade_ticket_type_id !== null)
    out.push(err('upgrade_ticket_type_id', 'only an upgrade has a target ticket type'));
  if (p.type === 'bundle' && !p.bundle_items.length) out.push(err('bundle_items', 'a bundle holds at least one item'));
  if (p.type !== 'bundle' && p.bundle_items.length) out.push(err('bundle_items', 'only a bundle holds items'));
  p.bundle_items.forEach((item, i) => {
    if ((item.ticket_type_id === undefined) === (item.product_id === undefined))
      out.push(err(`bundle_items.${i}`, 'an item is either a ticket_type_id or a product_id'));
  });
  const keys = p.bundle_items.map((i) => (i.ticket_type_id ? `t${i.ticket_type_id}` : `p${i.product_id}`));
  if (new Set(keys).size !== keys.length) out.push(err('bundle_items', 'an item appears once, with its quantity'));
  if (p.type === 'external' && !p.external_url) out.push(err('external_url', 'a partner offer links to the partner'));
  if (p.original_price_minor !== null && p.original_price_minor < p.price_minor)
    out.push(err('original_price_minor', 'the original price is at least the price'));
  if (p.sale_starts_at && p.sale_ends_at && new Date(p.sale_ends_at) <= new Date(p.sale_starts_at))
    out.push(err('sale_ends_at', 'the sale ends after it starts'));
  if (p.per_order_limit !== null && p.per_ticket_limit !== null && p.per_ticket_limit > p.per_order_limit)
    out.push(err('per_ticket_limit', 'the per-ticket limit is at most the per-order limit'));
  return out;
}
