import { z } from 'zod';
import { offerStats } from '../../db/upsells/catalog-stats';
import type { RouterDeps } from '../deps';
import { defineRoute } from '../route';
import { IdParam, Timestamp } from '../schemas/common';

const StatsQuery = z.object({
  by: z.enum(['product', 'rule', 'location']).default('product').meta({ description: 'How rows are grouped' }),
  event_id: IdParam.optional().meta({ examples: [1] }),
  product_id: IdParam.optional().meta({ examples: [1] }),
  from: Timestamp.optional().meta({ description: 'Offers shown at or after this instant' }),
  to: Timestamp.optional().meta({ description: 'Offers shown before this instant' }),
});

const StatsRow = z.object({
  key: z
    .string()
    .nullable()
    .meta({ description: 'The product id, rule id (null: products without rules) or location' }),
  impressions: z.number().int(),
  clicks: z.number().int(),
  conversions: z.number().int(),
  click_rate: z.number().meta({ description: 'clicks / impressions' }),
  conversion_rate: z.number().meta({ description: 'conversions / impressions' }),
  revenue_minor: z.number().int().meta({ description: 'Upsell revenue of the conversions, in minor units' }),
});

const Stats = z
  .object({ by: z.enum(['product', 'rule', 'location']), items: z.array(StatsRow) })
  .meta({ id: 'UpsellStats' });

const rate = (n: number, d: number): number => (d ? Math.round((n / d) * 10_000) / 10_000 : 0);

/** Conversion rate and revenue of offers per product, rule and display location. */
export function statsRoutes(deps: RouterDeps): void {
  defineRoute(deps, {
    method: 'get',
    path: '/api/upsells/stats',
    summary: 'Impressions, clicks, conversion rate and revenue of offers per product, rule or display location',
    tags: ['upsells'],
    access: { scope: 'read', module: 'upsells' },
    query: StatsQuery,
    responses: { 200: { description: 'Stats', schema: Stats } },
    handler: async ({ tx, query }) => {
      const rows = await offerStats(tx, {
        by: query.by,
        eventId: query.event_id,
        productId: query.product_id,
        from: query.from ? new Date(query.from) : undefined,
        to: query.to ? new Date(query.to) : undefined,
      });
      return {
        body: {
          by: query.by,
          items: rows.map((r) => ({
            ...r,
            click_rate: rate(r.clicks, r.impressions),
            conversion_rate: rate(r.conversions, r.impressions),
          })),
        },
      };
    },
  });
}
