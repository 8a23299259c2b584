/**
 * Segment evaluation benchmark: `segment_eval_ms` for the proposal's three-condition segment
 * (spent >= 500, bought within 90 days, attended concerts or festivals) over N customers with
 * metrics, seeded set-based (generate_series) in a bench tenant. Measured through the same
 * functions the API and the refresh workflow use, as the application role (row-level security on):
 *
 * - `segment_first_eval_ms`: the first evaluation, inserting every member and its
 *   `crm.segment_entered` outbox row;
 * - `segment_eval_ms`: a re-evaluation (the refresh workflow's steady state), median of 5;
 * - `segment_preview_ms`: the preview's count and sample.
 *
 *   npx tsx bench/crm-segments.ts      (CUSTOMERS=1000000 by default)
 *
 * `benchSegmentEval` is exported for the module's combined benchmark (`npm run bench:crm`).
 */
import { runBench, withBenchStack } from './stack';
import { withTenant, type Db } from '../db/connection';
import { evaluateSegment, insertSegment } from '../db/crm/segments';
import { previewSegment } from '../db/crm/segment-sql';
import { createTenant } from '../db/tenants/tenants';
import { PROPOSAL_EXAMPLE_RULE, validateSegmentRules } from '../domain/crm/segment-rules';

export interface SegmentBenchResult {
  customers: number;
  members: number;
  seed_s: number;
  segment_first_eval_ms: number;
  segment_eval_ms: number;
  segment_preview_ms: number;
  targets: { segment_eval_ms: number };
}

/**
 * Seeds `customers` customers with metrics in a new tenant: spend 0-2,000 (major units), last
 * purchase spread over three years, one or two of five event categories attended.
 */
async function seed(owner: Db, tenantId: string, customers: number): Promise<void> {
  await owner.raw(
    `insert into customers (tenant_id, email, name, country, created_at)
     select ?, 'bench-' || g || '@example.com', 'Customer ' || g,
            (array['DE','AT','FR','NL','GB'])[1 + g % 5], now() - (g % 1000) * interval '1 day'
     from generate_series(1, ?) g`,
    [tenantId, customers],
  );
  await owner.raw(
    `insert into customer_metrics (tenant_id, customer_id, total_orders, total_spent_minor, avg_order_value_minor,
        first_purchase_at, last_purchase_at, events_attended, attended_categories, purchased_categories)
     select c.tenant_id, c.id, 1 + (h % 7), (h % 200000), (h % 200000) / (1 + (h % 7)),
            now() - interval '1100 days', now() - ((h >> 8) % 1095) * interval '1 day',
            1 + (h % 3),
            array[(array['concerts','festivals','theatre','comedy','sports'])[1 + (h >> 4) % 5],
                  (array['concerts','festivals','theatre','comedy','sports'])[1 + (h >> 12) % 5]],
            array[(array['concerts','festivals','theatre','comedy','sports'])[1 + (h >> 6) % 5]]
     from (select id, tenant_id, abs(hashint8(id)) as h from customers where tenant_id = ?) c`,
    [tenantId],
  );
  await owner.raw('vacuum analyze customers, customer_metrics');
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Seeds a bench tenant of `customers` customers in the database behind `owner` and times the segment. */
export async function benchSegmentEval(owner: Db, app: Db, customers: number): Promise<SegmentBenchResult> {
  const tenant = await createTenant(owner, { name: 'CRM segment bench' });
  const seedStart = performance.now();
  await seed(owner, tenant.id, customers);
  const seedS = (performance.now() - seedStart) / 1000;
  const validated = validateSegmentRules(PROPOSAL_EXAMPLE_RULE);
  if (!validated.ok) throw new Error('the example rule is valid');

  const segment = await withTenant(app, tenant.id, (tx) =>
    insertSegment(tx, tenant.id, { name: 'High-value festival goers', rules: PROPOSAL_EXAMPLE_RULE }),
  );
  const timed = async <T>(fn: () => Promise<T>): Promise<[number, T]> => {
    const started = performance.now();
    const result = await fn();
    return [performance.now() - started, result];
  };
  const [firstMs, first] = await timed(() =>
    withTenant(app, tenant.id, (tx) => evaluateSegment(tx, tenant.id, segment.id)),
  );
  await owner.raw('vacuum analyze customer_segment_members');
  const runs: number[] = [];
  for (let i = 0; i < 5; i++) {
    const [ms] = await timed(() => withTenant(app, tenant.id, (tx) => evaluateSegment(tx, tenant.id, segment.id)));
    runs.push(ms);
  }
  const [previewMs] = await timed(() =>
    withTenant(app, tenant.id, (tx) => previewSegment(tx, tenant.id, validated.rule, 20)),
  );
  return {
    customers,
    members: first?.customerCount ?? 0,
    seed_s: Number(seedS.toFixed(1)),
    segment_first_eval_ms: Math.round(firstMs),
    segment_eval_ms: Math.round(median(runs)),
    segment_preview_ms: Math.round(previewMs),
    targets: { segment_eval_ms: 1000 },
  };
}

async function main(): Promise<void> {
  const customers = Number(process.env.CUSTOMERS ?? 1_000_000);
  await withBenchStack({ name: 'crm-segments', pool: 2 }, async ({ owner, db }) =>
    console.log(JSON.stringify({ benchmark: 'crm-segments', ...(await benchSegmentEval(owner, db, customers)) })),
  );
}

if (require.main === module) runBench(main);
