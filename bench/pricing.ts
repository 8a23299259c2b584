/**
 * `npm run bench:pricing`: the pricing module's figures, one JSON object. Each part runs as its own
 * process (and, but for the engine, with its own Postgres and Temporal):
 * - `rule_evals_per_s`: the pure engine on realistic rule sets (target ≥ 100,000), bench/pricing-engine.ts;
 * - `price_change_lag_ms`: p99 from a tier boundary to the new price being served by the events API
 *   (target ≤ 1,000), over `PRICING_LAG_TYPES` ticket types (default 20) × 3 boundaries, bench/pricing-lag.ts;
 * - `reprice_10k_s`: one demand sweep over `PRICING_REPRICE_TYPES` ticket types (default 10,000) with
 *   the proposal's demand rule, scaled to 10,000 (target ≤ 10), bench/pricing-reprice.ts.
 * `PRICING_PARTS=engine,lag` runs only some parts.
 */
import { runBenchParts, type BenchPart } from './parts';

const env = process.env;
const PARTS: BenchPart[] = [
  { name: 'engine', file: 'pricing-engine.ts', env: {} },
  { name: 'lag', file: 'pricing-lag.ts', env: { LAG_TYPES: env.PRICING_LAG_TYPES ?? '20' } },
  { name: 'reprice', file: 'pricing-reprice.ts', env: { REPRICE_TYPES: env.PRICING_REPRICE_TYPES ?? '10000' } },
];

runBenchParts('pricing', PARTS, process.env.PRICING_PARTS, (pick) => ({
  rule_evals_per_s: pick('engine', 'rule_evals_per_s'),
  price_change_lag_ms: pick('lag', 'price_change_lag_ms'),
  reprice_10k_s: pick('reprice', 'reprice_10k_s'),
})).catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
