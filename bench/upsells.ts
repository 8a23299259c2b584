/**
 * `npm run bench:upsells`: the upsells module's figures, one JSON object. Each part runs as its own process:
 * - `offers_p95_ms`: offers for a cart on a tenant with 500 products and 200 rules (target ≤ 20), bench/upsells-offers.ts;
 * - `addon_orders_per_s` and `oversold` (must be 0): 32 clients buying add-ons, bench/upsells-purchases.ts;
 * - `precision_at_5`: the recommender's offline evaluation, bench/upsells-recommendations.ts.
 * `UPSELLS_PARTS=offers,recommendations` runs only some parts.
 */
import { runBenchParts, type BenchPart } from './parts';

const env = process.env;
const PARTS: BenchPart[] = [
  {
    name: 'offers',
    file: 'upsells-offers.ts',
    env: {
      OFFERS_PRODUCTS: env.OFFERS_PRODUCTS ?? '500',
      OFFERS_RULES: env.OFFERS_RULES ?? '200',
      OFFERS_CALLS: env.OFFERS_CALLS ?? '500',
    },
  },
  { name: 'purchases', file: 'upsells-purchases.ts', env: {} },
  { name: 'recommendations', file: 'upsells-recommendations.ts', env: {} },
];

runBenchParts('upsells', PARTS, process.env.UPSELLS_PARTS, (pick) => ({
  offers_p95_ms: pick('offers', 'offers_p95_ms'),
  addon_orders_per_s: pick('purchases', 'addon_orders_per_s'),
  oversold: pick('purchases', 'oversold'),
  precision_at_5: pick('recommendations', 'precision_at_5'),
})).catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
