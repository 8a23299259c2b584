/**
 * `reprice_10k_s` of `npm run bench:pricing`: a tenant with `REPRICE_TYPES` ticket types (default
 * 10,000), each with the proposal's demand rule; a tenth sell 60 tickets an hour (above 50/hour:
 * +€5), the rest nothing (below 5/hour: −€3), so nearly every evaluation changes a price. Times one
 * sweep of the tenant's demand-sweep workflow (pages of 1,000 ticket types, each one activity and
 * one transaction: set-based loads, the engine, the guardrails, one batch of price changes and
 * `price.changed` events), from its start to the sweep being done. Prints one JSON line.
 */
import { createTenant } from '../db/tenants/tenants';
import {
  pricingDemandSweepStart,
  pricingDemandSweepWorkflowType,
  getDemandSweepStateQuery,
} from '../workflows/pricing/repricer-contract';
import { startIdempotent } from '../lib/temporal';
import { runBench, withBenchStack, type BenchStack } from './stack';

const TYPES = Number(process.env.REPRICE_TYPES ?? 10_000);
const PER_EVENT = 100;
const DEMAND_RULE = {
  strategy: 'demand',
  base_price: 50,
  min_price: 40,
  max_price: 100,
  rules: [
    { condition: 'sales_velocity > 50/hour', action: 'increase', amount: 5 },
    { condition: 'sales_velocity < 5/hour', action: 'decrease', amount: 3 },
    { condition: 'inventory < 10%', action: 'set', amount: 95 },
  ],
};

/** Events, ticket types, rules and the selling tenth's orders, set-based through the owner connection. */
async function seed(stack: BenchStack, tenantId: string): Promise<void> {
  const events = Math.ceil(TYPES / PER_EVENT);
  await stack.owner.raw(
    `insert into events (tenant_id, name, venue_name, timezone, starts_at, ends_at, capacity, status)
     select ?, 'Bench event ' || g, 'Hall', 'Europe/Berlin', now() + interval '30 days', now() + interval '30 days 3 hours',
       ?, 'on_sale' from generate_series(1, ?) g`,
    [tenantId, PER_EVENT * 1000, events],
  );
  await stack.owner.raw(
    `insert into ticket_types (tenant_id, event_id, name, price_minor, currency, inventory)
     select e.tenant_id, e.id, 'Type ' || g, 5000, 'EUR', 1000
       from events e cross join generate_series(1, ?) g where e.tenant_id = ?
      order by e.id, g limit ?`,
    [PER_EVENT, tenantId, TYPES],
  );
  await stack.owner.raw(
    `insert into pricing_rules (tenant_id, event_id, ticket_type_id, strategy, rules, priority)
     select tenant_id, event_id, id, 'demand', ?::jsonb, 100 from ticket_types where tenant_id = ?`,
    [JSON.stringify(DEMAND_RULE), tenantId],
  );
  const [{ id: customerId }] = await stack
    .owner('customers')
    .insert({ tenant_id: tenantId, email: 'bench@example.com', name: 'Bench' })
    .returning('id');
  await stack.owner.raw(
    `with selling as (
       select id, event_id, row_number() over (order by id) as n from ticket_types where tenant_id = :tenant and id % 10 = 0),
     placed as (
       insert into orders (tenant_id, event_id, customer_id, order_number, status, currency, total_minor, payment_provider, created_at)
       select :tenant, event_id, :customer, 'B-' || n, 'paid', 'EUR', 300000, 'offline', now() - interval '10 minutes'
         from selling returning id, order_number)
     insert into order_items (tenant_id, order_id, ticket_type_id, quantity, unit_price_minor)
     select :tenant, p.id, s.id, 60, 5000 from placed p join selling s on p.order_number = 'B-' || s.n`,
    { tenant: tenantId, customer: customerId },
  );
  await stack.owner.raw(`update ticket_types set sold = 60 where tenant_id = ? and id % 10 = 0`, [tenantId]);
  await stack.owner.raw('analyze');
}

async function main(): Promise<void> {
  await withBenchStack({ name: 'pricing-reprice', temporal: true, worker: true, pool: 10 }, async (stack) => {
    const temporal = stack.temporal;
    if (!temporal) throw new Error('the bench needs Temporal');
    const tenant = await createTenant(stack.owner, { name: 'Reprice bench' });
    await seed(stack, tenant.id);
    const started = Date.now();
    const handle = await startIdempotent(temporal, pricingDemandSweepWorkflowType, {
      ...pricingDemandSweepStart(stack.config.TEMPORAL_TASK_QUEUE, tenant.id),
      // One sweep is measured; the next would come an hour later.
      args: [{ tenantId: tenant.id, intervalMs: 3_600_000 }],
    });
    let state = await handle.query(getDemandSweepStateQuery);
    while (state.sweeps < 1) {
      await new Promise((r) => setTimeout(r, 20));
      state = await handle.query(getDemandSweepStateQuery);
    }
    const seconds = (Date.now() - started) / 1000;
    await handle.terminate('bench done');
    const [{ count }] = await stack
      .owner('price_changes')
      .where({ tenant_id: tenant.id })
      .count<{ count: string }[]>('* as count');
    console.log(
      JSON.stringify({
        bench: 'pricing-reprice',
        ticket_types: TYPES,
        evaluated: state.lastEvaluated,
        changed: state.lastChanged,
        price_changes_written: Number(count),
        reprice_10k_s: Number(((seconds * 10_000) / TYPES).toFixed(2)),
        reprice_s: Number(seconds.toFixed(2)),
      }),
    );
  });
}

runBench(main);
