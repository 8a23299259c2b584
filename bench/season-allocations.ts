/**
 * Season allocations, in its own stack (no Temporal: allocation is SQL):
 * - `allocate_s`: a `SEASON_EVENTS`-event season (default 20) allocated to `SEASON_SUBSCRIBERS`
 *   subscribers (default 20,000), one set-based statement per event as the allocation trigger runs it,
 *   `SEASON_ALLOCATE_CONCURRENCY` events at once (default 4, as the dispatcher runs triggers);
 * - `double_sold_season_seats`: an event allocated while `SEASON_SALES` single-ticket orders
 *   (default 400, `SEASON_SALE_CONCURRENCY` at once) race for its last `SEASON_SPARE` seats (default 100):
 *   held seats plus tickets sold beyond the inventory (must be 0).
 */
import { performance } from 'node:perf_hooks';
import { withTenant, type Db } from '../db/connection';
import { placeOrder } from '../db/orders/placement';
import { upsertModule } from '../db/platform/modules';
import { allocateEvent } from '../db/season/allocations';
import { createTenant } from '../db/tenants/tenants';
import { inBatches } from '../lib/batches';
import { AppError } from '../lib/errors';
import { runBench, withBenchStack } from './stack';

const EVENTS = Number(process.env.SEASON_EVENTS ?? 20);
const SUBSCRIBERS = Number(process.env.SEASON_SUBSCRIBERS ?? 20_000);
const SALES = Number(process.env.SEASON_SALES ?? 400);
const SPARE = Number(process.env.SEASON_SPARE ?? 100);
const CONCURRENCY = Number(process.env.SEASON_SALE_CONCURRENCY ?? 16);
const ALLOCATE_CONCURRENCY = Number(process.env.SEASON_ALLOCATE_CONCURRENCY ?? 4);
const DAY = 86_400_000;

/** A tenant with the season module, customers, one full package and its active subscriptions. */
async function seed(owner: Db): Promise<{ tenantId: string; buyerId: number }> {
  const tenantId = (await createTenant(owner, { name: 'Season bench' })).id;
  await upsertModule(owner, tenantId, 'season', { enabled: true });
  await owner.raw(
    `insert into customers (tenant_id, email, name)
     select ?, 'member-' || g || '@bench.example', 'Member ' || g from generate_series(1, ?) g`,
    [tenantId, SUBSCRIBERS + 1],
  );
  const [pkg] = (await owner('season_packages')
    .insert({
      tenant_id: tenantId,
      name: 'Bench season',
      type: 'full',
      price_minor: 30_000,
      currency: 'EUR',
      billing_cycle: 'annual',
      series_tag: 'bench',
      season_starts_at: new Date(Date.now() - DAY),
      season_ends_at: new Date(Date.now() + 365 * DAY),
    })
    .returning('id')) as { id: number }[];
  await owner.raw(
    `insert into season_subscriptions (tenant_id, package_id, customer_id, status, price_minor, currency, starts_at, ends_at, payment_provider)
     select ?, ?, c.id, 'active', 30000, 'EUR', now() - interval '1 day', now() + interval '365 days', 'offline'
     from customers c where c.tenant_id = ? and c.email like 'member-%' order by c.id limit ?`,
    [tenantId, pkg.id, tenantId, SUBSCRIBERS],
  );
  const buyer = (await owner('customers').where({ tenant_id: tenantId }).orderBy('id', 'desc').first('id')) as {
    id: number;
  };
  return { tenantId, buyerId: buyer.id };
}

async function seasonEvent(
  owner: Db,
  tenantId: string,
  i: number,
  inventory: number,
): Promise<{ eventId: number; ticketTypeId: number }> {
  const starts = new Date(Date.now() + (10 + i) * DAY);
  const [event] = (await owner('events')
    .insert({
      tenant_id: tenantId,
      name: `Bench match ${i}`,
      venue_name: 'Arena',
      timezone: 'Europe/Berlin',
      starts_at: starts,
      ends_at: new Date(starts.getTime() + 3 * 3_600_000),
      capacity: inventory,
      status: 'on_sale',
      tags: ['bench'],
    })
    .returning('id')) as { id: number }[];
  const [tt] = (await owner('ticket_types')
    .insert({ tenant_id: tenantId, event_id: event.id, name: 'Stalls', price_minor: 4500, currency: 'EUR', inventory })
    .returning('id')) as { id: number }[];
  return { eventId: event.id, ticketTypeId: tt.id };
}

async function main(): Promise<void> {
  await withBenchStack({ name: 'season-allocations', pool: CONCURRENCY + 4 }, async ({ owner, db }) => {
    const { tenantId, buyerId } = await seed(owner);
    const events = [];
    for (let i = 0; i < EVENTS; i++) events.push(await seasonEvent(owner, tenantId, i, SUBSCRIBERS + SPARE));

    // As the outbox dispatcher runs the allocation triggers of new events: several at once.
    const started = performance.now();
    let allocated = 0;
    await inBatches(events, ALLOCATE_CONCURRENCY, async (e) => {
      const result = await withTenant(db, tenantId, (tx) => allocateEvent(tx, tenantId, e.eventId));
      allocated += result.allocated;
    });
    const allocateS = (performance.now() - started) / 1000;

    // The race: the allocation of a new event against single-ticket sales for it.
    const race = await seasonEvent(owner, tenantId, EVENTS, SUBSCRIBERS + SPARE);
    let sold = 0;
    let refused = 0;
    const sale = async (): Promise<void> => {
      try {
        await withTenant(db, tenantId, (tx) =>
          placeOrder(tx, tenantId, {
            eventId: race.eventId,
            customerId: buyerId,
            provider: 'offline',
            lines: [{ ticketTypeId: race.ticketTypeId, quantity: 1 }],
          }),
        );
        sold += 1;
      } catch (err) {
        if (!(err instanceof AppError && err.status === 409)) throw err;
        refused += 1;
      }
    };
    const [raceAllocated] = await Promise.all([
      withTenant(db, tenantId, (tx) => allocateEvent(tx, tenantId, race.eventId)),
      inBatches(
        Array.from({ length: SALES }, (_, i) => i),
        CONCURRENCY,
        sale,
      ),
    ]);
    const [{ held, items, inventory }] = (
      await owner.raw(
        `select (select count(*)::int from season_ticket_allocations where event_id = :e and status = 'allocated') as held,
                (select coalesce(sum(quantity), 0)::int from order_items where ticket_type_id = :t) as items,
                (select inventory from ticket_types where id = :t) as inventory`,
        { e: race.eventId, t: race.ticketTypeId },
      )
    ).rows as { held: number; items: number; inventory: number }[];

    console.log(
      JSON.stringify({
        bench: 'season-allocations',
        events: EVENTS,
        subscribers: SUBSCRIBERS,
        allocations: allocated,
        allocate_s: Number(allocateS.toFixed(2)),
        allocations_per_s: Math.round(allocated / allocateS),
        race_allocated: raceAllocated.allocated,
        race_skipped: raceAllocated.skipped,
        single_sales_ok: sold,
        single_sales_refused: refused,
        double_sold_season_seats: Math.max(held + items - inventory, 0),
      }),
    );
  });
}

runBench(main);
