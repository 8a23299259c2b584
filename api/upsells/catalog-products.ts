import type { z } from 'zod';
import type { Tx } from '../../db/connection';
import { getEvent } from '../../db/events/events';
import { getTicketType } from '../../db/events/ticket-types';
import {
  bundlesIncluding,
  deleteProduct,
  getProduct,
  insertProduct,
  listProducts,
  lockProduct,
  productsByIds,
  updateProduct,
  type ProductInput,
  type UpsellProductRow,
} from '../../db/upsells/catalog-products';
import { productShapeErrors } from '../../domain/upsells/catalog-products';
import { AppError, conflict, notFound, unprocessable } from '../../lib/errors';
import type { RouterDeps } from '../deps';
import { defineRoute } from '../route';
import { IdParams, isoOrNull, page, toPage } from '../schemas/common';
import { CreateProduct, Product, ProductsQuery, UpdateProduct } from './catalog-schemas';

type CreateBody = z.output<typeof CreateProduct>;

export const toProduct = (r: UpsellProductRow): z.infer<typeof Product> => ({
  id: r.id,
  event_id: r.event_id,
  type: r.type,
  name: r.name,
  description: r.description,
  category: r.category,
  price_minor: r.price_minor,
  original_price_minor: r.original_price_minor,
  currency: r.currency.trim(),
  inventory: r.inventory,
  reserved: r.reserved,
  sold: r.sold,
  available: r.inventory === null ? null : Math.max(0, r.inventory - r.reserved - r.sold),
  image_url: r.image_url,
  display_in: r.display_in,
  variants: r.variants,
  per_order_limit: r.per_order_limit,
  per_ticket_limit: r.per_ticket_limit,
  sale_starts_at: isoOrNull(r.sale_starts_at),
  sale_ends_at: isoOrNull(r.sale_ends_at),
  requires_redemption: r.requires_redemption,
  upgrade_ticket_type_id: r.upgrade_ticket_type_id,
  bundle_items: r.bundle_items,
  external_url: r.external_url,
  affiliate_code: r.affiliate_code,
  status: r.status,
  created_at: r.created_at.toISOString(),
  updated_at: r.updated_at.toISOString(),
});

export async function loadProduct(tx: Tx, id: number): Promise<UpsellProductRow> {
  const product = await getProduct(tx, id);
  if (!product) throw notFound('Upsell product');
  return product;
}

/** A body's product with every unset field at its default (what the table would store). */
function withDefaults(b: CreateBody): ProductInput {
  return {
    event_id: b.event_id ?? null,
    type: b.type,
    name: b.name,
    description: b.description ?? null,
    category: b.category ?? null,
    price_minor: b.price_minor,
    original_price_minor: b.original_price_minor ?? null,
    currency: b.currency,
    inventory: b.inventory ?? null,
    image_url: b.image_url ?? null,
    display_in: b.display_in ?? 'all',
    variants: b.variants ?? [],
    per_order_limit: b.per_order_limit ?? null,
    per_ticket_limit: b.per_ticket_limit ?? null,
    sale_starts_at: b.sale_starts_at ? new Date(b.sale_starts_at) : null,
    sale_ends_at: b.sale_ends_at ? new Date(b.sale_ends_at) : null,
    requires_redemption: b.requires_redemption ?? false,
    upgrade_ticket_type_id: b.upgrade_ticket_type_id ?? null,
    bundle_items: b.bundle_items ?? [],
    external_url: b.external_url ?? null,
    affiliate_code: b.affiliate_code ?? null,
    status: b.status ?? 'active',
  };
}

/** What a stored product's tenant-set fields are, to apply a patch to. */
function storedInput(r: UpsellProductRow): ProductInput {
  return withDefaults({
    ...r,
    currency: r.currency.trim(),
    sale_starts_at: isoOrNull(r.sale_starts_at),
    sale_ends_at: isoOrNull(r.sale_ends_at),
  });
}

/**
 * Checks a product as it would be stored: its fields agree with each other (400), and what it names
 * (event, upgrade target, bundle items) is the tenant's (404 otherwise, as for any other tenant's row)
 * and fits it (422: a ticket type of another event, a bundle inside a bundle, another currency).
 */
async function checkProduct(tx: Tx, p: ProductInput, selfId?: number): Promise<void> {
  const errors = productShapeErrors(p);
  if (errors.length) throw new AppError(400, 'invalid_product', 'The product is not valid', { errors });
  if (p.event_id !== null && !(await getEvent(tx, p.event_id))) throw notFound('Event');
  const ticketTypeIds = [
    ...(p.upgrade_ticket_type_id === null ? [] : [p.upgrade_ticket_type_id]),
    ...p.bundle_items.flatMap((i) => (i.ticket_type_id ? [i.ticket_type_id] : [])),
  ];
  for (const id of ticketTypeIds) {
    const tt = await getTicketType(tx, id);
    if (!tt) throw notFound('Ticket type');
    if (p.event_id !== null && tt.event_id !== p.event_id)
      throw unprocessable('ticket_type_of_other_event', `Ticket type ${id} is not of event ${p.event_id}`);
  }
  const productIds = p.bundle_items.flatMap((i) => (i.product_id ? [i.product_id] : []));
  const items = await productsByIds(tx, productIds);
  for (const id of productIds) {
    const item = items.get(id);
    if (!item || id === selfId) throw notFound('Upsell product');
    if (item.type !== 'addon') throw unprocessable('bundle_item_not_addon', `Product ${id} is not an add-on`);
    if (item.currency.trim() !== p.currency)
      throw unprocessable('currency_mismatch', `Product ${id} is priced in ${item.currency.trim()}`);
  }
}

/** Add-ons, upgrades, bundles and partner offers: the tenant's catalogue. */
export function productRoutes(deps: RouterDeps): void {
  const tags = ['upsells'];
  const module = 'upsells' as const;

  defineRoute(deps, {
    method: 'post',
    path: '/api/upsells/products',
    summary: 'Create an add-on, upgrade, bundle or partner (external) product',
    tags,
    access: { scope: 'write', module },
    body: CreateProduct,
    idempotent: true,
    responses: { 201: { description: 'Created', schema: Product } },
    handler: async ({ tx, auth, body }) => {
      const input = withDefaults(body);
      await checkProduct(tx, input);
      return { status: 201, body: toProduct(await insertProduct(tx, auth.tenantId, input)) };
    },
  });

  defineRoute(deps, {
    method: 'get',
    path: '/api/upsells/products',
    summary: "The tenant's upsell products, optionally of one event, type or status",
    tags,
    access: { scope: 'read', module },
    query: ProductsQuery,
    responses: { 200: { description: 'Products', schema: page(Product) } },
    handler: async ({ tx, query }) => {
      const rows = await listProducts(tx, {
        limit: query.limit,
        after: query.after,
        eventId: query.event_id,
        type: query.type,
        status: query.status,
      });
      return { body: { ...toPage(rows, query.limit), items: rows.map(toProduct) } };
    },
  });

  defineRoute(deps, {
    method: 'get',
    path: '/api/upsells/products/{id}',
    summary: 'An upsell product, with what is left of its inventory',
    tags,
    access: { scope: 'read', module },
    params: IdParams,
    responses: { 200: { description: 'Product', schema: Product } },
    handler: async ({ tx, params }) => ({ body: toProduct(await loadProduct(tx, params.id)) }),
  });

  defineRoute(deps, {
    method: 'patch',
    path: '/api/upsells/products/{id}',
    summary: 'Change a product (not its type); inventory cannot go below what is reserved and sold',
    tags,
    access: { scope: 'write', module },
    params: IdParams,
    body: UpdateProduct,
    responses: { 200: { description: 'Updated', schema: Product } },
    handler: async ({ tx, params, body }) => {
      const before = await lockProduct(tx, params.id);
      if (!before) throw notFound('Upsell product');
      const patch: Partial<ProductInput> = {
        ...body,
        sale_starts_at: body.sale_starts_at === undefined ? undefined : isoDate(body.sale_starts_at),
        sale_ends_at: body.sale_ends_at === undefined ? undefined : isoDate(body.sale_ends_at),
      };
      const defined = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined));
      const merged: ProductInput = { ...storedInput(before), ...defined };
      await checkProduct(tx, merged, before.id);
      const committed = before.reserved + before.sold;
      if (merged.inventory !== null && merged.inventory < committed)
        throw conflict('inventory_below_committed', `${committed} units are already reserved or sold`, { committed });
      return { body: toProduct((await updateProduct(tx, params.id, defined)) as UpsellProductRow) };
    },
  });

  defineRoute(deps, {
    method: 'delete',
    path: '/api/upsells/products/{id}',
    summary: 'Delete a product never reserved or sold and in no bundle (otherwise set its status to inactive)',
    tags,
    access: { scope: 'write', module },
    params: IdParams,
    responses: { 204: { description: 'Deleted' } },
    handler: async ({ tx, params }) => {
      const product = await lockProduct(tx, params.id);
      if (!product) throw notFound('Upsell product');
      if (product.reserved + product.sold > 0)
        throw conflict('product_in_use', 'The product has been reserved or sold: set its status to inactive');
      const bundles = await bundlesIncluding(tx, product.id);
      if (bundles.length) throw conflict('product_in_use', 'Bundles include the product', { bundle_ids: bundles });
      await deleteProduct(tx, product.id);
      return { status: 204 };
    },
  });
}

const isoDate = (v: string | null): Date | null => (v === null ? null : new Date(v));
