/**
 * `precision_at_5` of `npm run bench:upsells`: the recommender's offline evaluation (each customer's
 * latest event held out, 5 events recommended from the rest) on `RECS_CUSTOMERS` generated customers
 * (default 2000, seed 2026; scripts/upsells-evaluate.ts), and how long the model takes to build and rank.
 */
import { evaluateHoldout } from '../domain/upsells/recommendations-eval';
import { generatePurchases } from '../scripts/upsells-evaluate';
import { runBench } from './stack';

const CUSTOMERS = Number(process.env.RECS_CUSTOMERS ?? 2000);

async function main(): Promise<void> {
  const history = generatePurchases({ customers: CUSTOMERS, seed: 2026 });
  const t0 = performance.now();
  const report = evaluateHoldout(history.purchases, (item) => history.categories.get(item));
  console.log(JSON.stringify({ ...report, customers: CUSTOMERS, evaluate_ms: Math.round(performance.now() - t0) }));
}

runBench(main);
