import { z } from 'zod';
import * as m from '../../db/analytics/metrics';
import { rate } from '../../domain/analytics/csv';
import { AppError } from '../../lib/errors';
import type { RouterDeps } from '../deps';
import { defineRoute } from '../route';
import { AttributionQuery, AttributionResult, PromoResult, PutSpend, RoiResult, SpendList } from './metric-schemas';
import { access, answer, assertEvent, json, noChannel, noEvent, tags, toFilters } from './metric-view';

/** Attribution, promo codes, marketing spend and its return per channel (CSV too). */
export function marketingMetricRoutes(deps: RouterDeps): void {
  defineRoute(deps, {
    method: 'get',
    path: '/api/analytics/attribution',
    summary: 'Orders and revenue credited to marketing channels under a first-touch, last-touch or linear model',
    tags,
    access,
    query: AttributionQuery,
    responses: json('Attribution', AttributionResult),
    handler: async ({ tx, query }) => {
      const f = toFilters(query);
      await assertEvent(tx, f.eventId);
      const rows = await m.attribution(tx, f, query.model);
      const totals = new Map<string, number>();
      for (const r of rows) totals.set(r.currency, (totals.get(r.currency) ?? 0) + r.revenue_minor);
      const items = rows.map((r) => ({ ...r, share: rate(r.revenue_minor, totals.get(r.currency) ?? 0) }));
      return answer(query.format, `attribution-${query.model}`, { model: query.model, items }, () => items);
    },
  });

  defineRoute(deps, {
    method: 'get',
    path: '/api/analytics/promo-codes',
    summary: 'Promo code use: orders, tickets and revenue per code (from orders.promo_code)',
    tags,
    access,
    query: z.strictObject(noChannel),
    responses: json('Promo codes', PromoResult),
    handler: async ({ tx, query }) => {
      const f = toFilters(query);
      await assertEvent(tx, f.eventId);
      const items = await m.promoCodes(tx, f);
      return answer(query.format, 'promo-codes', { items }, () => items);
    },
  });

  defineRoute(deps, {
    method: 'put',
    path: '/api/analytics/marketing-spend',
    summary: 'Enter marketing spend per channel and month (replaces the amount of each channel and month given)',
    tags,
    access: { scope: 'write', module: 'analytics' },
    body: PutSpend,
    responses: { 200: { description: 'The spend of the months given', schema: SpendList } },
    handler: async ({ tx, auth, body }) => {
      const seen = new Set<string>();
      for (const [i, item] of body.items.entries()) {
        const key = `${item.channel}/${item.month}`;
        if (seen.has(key))
          throw new AppError(400, 'validation_failed', 'A channel and month appear twice', {
            errors: [{ path: `body.items.${i}`, message: 'duplicate channel and month', code: 'duplicate' }],
          });
        seen.add(key);
      }
      await m.upsertSpend(
        tx,
        auth.tenantId,
        body.items.map((i) => ({ ...i, month: `${i.month}-01` })),
      );
      const months = [...new Set(body.items.map((i) => i.month))];
      const all = await m.listSpend(tx, {});
      return { body: { items: all.filter((r) => months.includes(r.month)) } };
    },
  });

  defineRoute(deps, {
    method: 'get',
    path: '/api/analytics/marketing-spend',
    summary: 'Marketing spend entered per channel and month',
    tags,
    access,
    query: z.strictObject(noEvent),
    responses: json('Spend', SpendList),
    handler: async ({ tx, query }) => {
      const items = await m.listSpend(tx, toFilters(query));
      return answer(query.format, 'marketing-spend', { items }, () => items);
    },
  });

  defineRoute(deps, {
    method: 'get',
    path: '/api/analytics/marketing-roi',
    summary:
      'Marketing ROI and customer acquisition cost per channel: spend against last-touch revenue and new customers',
    tags,
    access,
    query: z.strictObject(noEvent),
    responses: json('ROI per channel', RoiResult),
    handler: async ({ tx, query }) => {
      const items = (await m.marketingRoi(tx, toFilters(query))).map((r) => ({
        ...r,
        cac_minor: r.new_customers > 0 && r.spend_minor > 0 ? Math.round(r.spend_minor / r.new_customers) : null,
        roi:
          r.spend_minor > 0 ? Math.round(((r.revenue_minor - r.spend_minor) / r.spend_minor) * 10_000) / 10_000 : null,
      }));
      return answer(query.format, 'marketing-roi', { items }, () => items);
    },
  });
}
