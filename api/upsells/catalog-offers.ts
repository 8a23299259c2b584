import { randomBytes } from 'node:crypto';
import type { z } from 'zod';
import type { Tx } from '../../db/connection';
import { getOrder, getOrderItems } from '../../db/orders/orders';
import { isModuleEnabled } from '../../db/platform/modules';
import {
  currentSegmentsOf,
  offerCandidates,
  queryCartFacts,
  recordClick,
  recordImpressions,
} from '../../db/upsells/catalog-offers';
import { getProduct } from '../../db/upsells/catalog-products';
import { moduleAdmits } from '../../domain/platform/plans';
import { rankOffers, type OfferFacts } from '../../domain/upsells/offers';
import { AppError, notFound } from '../../lib/errors';
import type { RouterDeps } from '../deps';
import { defineRoute } from '../route';
import { Click, OfferParams, Offers, OffersQuery } from './catalog-offers-schemas';
import { toProduct } from './catalog-products';

type Query = z.output<typeof OffersQuery>;

const newOfferId = (): string => `off_${randomBytes(12).toString('base64url')}`;

interface Cart {
  eventId: number;
  orderId: number | null;
  customerId: number | null;
  /** Ticket type id to quantity. */
  lines: Map<number, number>;
  valueMinor: number;
  /** The customer's current CRM segments when already known (read with a query's cart). */
  segmentIds?: Set<number>;
  /** The version of the event's catalogue when read with the cart. */
  catalogVersion?: string;
}

const parseCart = (cart: string | undefined): Map<number, number> => {
  const lines = new Map<number, number>();
  for (const part of cart ? cart.split(',') : []) {
    const [id, quantity] = part.split(':').map(Number);
    lines.set(id, (lines.get(id) ?? 0) + quantity);
  }
  return lines;
};

/** The cart the offers are for: an existing order's tickets, or the query's event and cart, priced now. */
async function cartOf(tx: Tx, q: Query): Promise<Cart> {
  const customerId = q.customer_id ?? null;
  if (q.order_id !== undefined) {
    const order = await getOrder(tx, q.order_id);
    if (!order) throw notFound('Order');
    const items = await getOrderItems(tx, order.id);
    const lines = new Map<number, number>();
    for (const i of items) lines.set(i.ticket_type_id, (lines.get(i.ticket_type_id) ?? 0) + i.quantity);
    return {
      eventId: order.event_id,
      orderId: order.id,
      customerId: order.customer_id,
      lines,
      valueMinor: items.reduce((s, i) => s + i.unit_price_minor * i.quantity, 0),
    };
  }
  if (q.event_id === undefined)
    throw new AppError(400, 'validation_failed', 'event_id or order_id is required', {
      errors: [{ path: 'query.event_id', message: 'event_id or order_id is required', code: 'required' }],
    });
  const lines = parseCart(q.cart);
  const facts = await queryCartFacts(tx, q.event_id, [...lines.keys()], customerId);
  if (!facts.eventFound) throw notFound('Event');
  if (!facts.customerFound) throw notFound('Customer');
  if (facts.prices.size !== lines.size) throw notFound('Ticket type');
  let valueMinor = 0;
  for (const [id, quantity] of lines) valueMinor += (facts.prices.get(id) ?? 0) * quantity;
  // Segment rules only count while the tenant has CRM on (a rule outlives the CRM subscription).
  const segmentIds = moduleAdmits(facts.crm, 'crm') ? facts.segmentIds : new Set<number>();
  return {
    eventId: q.event_id,
    orderId: null,
    customerId,
    lines,
    valueMinor,
    segmentIds,
    catalogVersion: facts.catalogVersion,
  };
}

/** Offers for a cart or an order, their clicks. */
export function offerRoutes(deps: RouterDeps): void {
  const tags = ['upsells'];
  const module = 'upsells' as const;

  defineRoute(deps, {
    method: 'get',
    path: '/api/upsells/offers',
    summary: 'The ranked offers for a cart or an existing order at a display location; each shown offer is recorded',
    tags,
    access: { scope: 'read', module },
    query: OffersQuery,
    responses: { 200: { description: 'Offers, best first', schema: Offers } },
    handler: async ({ tx, auth, query }) => {
      const cart = await cartOf(tx, query);
      const now = new Date();
      const candidates = await offerCandidates(tx, auth.tenantId, cart.eventId, cart.catalogVersion);
      const needsSegments = candidates.some((p) => p.rules.some((r) => r.rule_type === 'customer_segment'));
      const segmentIds =
        cart.segmentIds ??
        (needsSegments && cart.customerId !== null && (await isModuleEnabled(tx, 'crm'))
          ? await currentSegmentsOf(tx, cart.customerId)
          : new Set<number>());
      const facts: OfferFacts = {
        now,
        location: query.location,
        cart: cart.lines,
        cartValueMinor: cart.valueMinor,
        segmentIds,
      };
      const ranked = rankOffers(candidates, facts, query.limit).map((o) => ({ ...o, offerId: newOfferId() }));
      await recordImpressions(
        tx,
        auth.tenantId,
        ranked.map((o) => ({
          productId: o.product.id,
          ruleId: o.ruleId,
          offerId: o.offerId,
          orderId: cart.orderId,
          customerId: cart.customerId,
          location: query.location,
        })),
      );
      return {
        body: {
          location: query.location,
          event_id: cart.eventId,
          offers: ranked.map((o, i) => ({
            offer_id: o.offerId,
            rank: i + 1,
            rule_id: o.ruleId,
            product: toProduct(o.product),
          })),
        },
      };
    },
  });

  defineRoute(deps, {
    method: 'post',
    path: '/api/upsells/offers/{offer_id}/click',
    summary: "Record a click on an offer (the first counts); a partner offer answers the partner's link",
    tags,
    access: { scope: 'write', module },
    params: OfferParams,
    responses: { 200: { description: 'The click', schema: Click } },
    handler: async ({ tx, params }) => {
      const offer = await recordClick(tx, params.offer_id);
      if (!offer) throw notFound('Offer');
      const product = await getProduct(tx, offer.product_id);
      let redirect: string | null = null;
      if (product?.type === 'external' && product.external_url) {
        const url = new URL(product.external_url);
        if (product.affiliate_code) url.searchParams.set('affiliate', product.affiliate_code);
        url.searchParams.set('usher_offer', offer.offer_id);
        redirect = url.toString();
      }
      return {
        body: {
          offer_id: offer.offer_id,
          product_id: Number(offer.product_id),
          clicked_at: new Date(offer.clicked_at as Date).toISOString(),
          redirect_url: redirect,
        },
      };
    },
  });
}
