import { z } from 'zod';
import { getCustomer } from '../../db/customers/customers';
import { getEvent } from '../../db/events/events';
import { eventCategories, recommendable, tenantPurchases } from '../../db/upsells/recommendations';
import { buildModel, recommend, type ItemKey } from '../../domain/upsells/recommendations';
import { notFound } from '../../lib/errors';
import type { RouterDeps } from '../deps';
import { defineRoute } from '../route';
import { IdParam, limitParam } from '../schemas/common';

const RecommendationsQuery = z.object({
  event_id: IdParam.optional().meta({ description: 'The event in the cart or on the page', examples: [1] }),
  customer_id: IdParam.optional().meta({ description: 'Blends in their history (a customer token is its own)' }),
  limit: limitParam(50, 5),
});

const Recommendations = z
  .object({
    items: z.array(
      z.object({
        kind: z.enum(['event', 'product']),
        id: z.number().int(),
        score: z.number(),
        reason: z.enum(['co_purchase', 'category', 'popular']).meta({
          description:
            'co_purchase: bought together with the cart or the history (lift); category: the same category as the event; popular: cold start',
        }),
      }),
    ),
  })
  .meta({ id: 'UpsellRecommendations' });

/** "You might also like": events and add-ons from the tenant's own buyers. */
export function recommendationsRoutes(deps: RouterDeps): void {
  defineRoute(deps, {
    method: 'get',
    path: '/api/upsells/recommendations',
    summary: '"You might also like": events and add-ons bought together (lift), by history, category or popularity',
    tags: ['upsells'],
    access: { scope: 'read', customer: true, module: 'upsells' },
    query: RecommendationsQuery,
    responses: { 200: { description: 'Recommendations, best first', schema: Recommendations } },
    handler: async ({ tx, auth, query }) => {
      const customerId = auth.kind === 'customer' ? auth.customerId : (query.customer_id ?? null);
      if (query.event_id !== undefined && !(await getEvent(tx, query.event_id))) throw notFound('Event');
      if (auth.kind === 'key' && customerId !== null && !(await getCustomer(tx, customerId)))
        throw notFound('Customer');
      const purchases = await tenantPurchases(tx);
      const baskets = new Map<number, ItemKey[]>();
      for (const p of purchases) baskets.set(p.customerId, [...(baskets.get(p.customerId) ?? []), p.item]);
      const categories = await eventCategories(tx);
      const current: ItemKey[] = query.event_id === undefined ? [] : [`e${query.event_id}`];
      const top = recommend(
        buildModel(baskets.values()),
        {
          current,
          history: customerId === null ? [] : (baskets.get(customerId) ?? []),
          category: current.length ? (categories.get(current[0]) ?? null) : null,
          categoryOf: (item) => categories.get(item),
        },
        await recommendable(tx, query.event_id ?? null),
        query.limit,
      );
      return {
        body: {
          items: top.map((r) => ({
            kind: r.item.startsWith('e') ? ('event' as const) : ('product' as const),
            id: Number(r.item.slice(1)),
            score: Math.round(r.score * 10_000) / 10_000,
            reason: r.reason,
          })),
        },
      };
    },
  });
}
