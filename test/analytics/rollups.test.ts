import { createHarness, type Harness } from '../helpers/harness';
import { createOnSaleEvent, createTenantWithKey, type TenantFixture } from '../helpers/fixtures';
import { withTenant } from '../../db/connection';
import { rollupTriggers } from '../../activities/analytics/rollups';
import type { OutboxEvent, TriggerContext } from '../../activities/platform/triggers';
import type { WorkerDeps } from '../../activities/deps';

/**
 * The incremental rollups against a full recomputation from the source tables, after orders arrive
 * out of payment order (late events), refunds, cancellations, and triggers run twice.
 */

let h: Harness;
let t: TenantFixture;
let eventId: number;
let ticketTypes: { id: number; price: number }[];
const customers: number[] = [];

// A small deterministic generator, so a failure reproduces.
let seed = 20261202;
const rand = (): number => {
  seed = (seed * 1103515245 + 12345) % 2 ** 31;
  return seed / 2 ** 31;
};
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];

const triggers = rollupTriggers({} as WorkerDeps);
let outboxId = 1;

async function fire<T extends 'order.created' | 'refund.processed' | 'ticket.cancelled' | 'order.cancelled'>(
  type: T,
  payload: OutboxEvent<T>['payload'],
): Promise<void> {
  const event = {
    id: outboxId++,
    tenantId: t.tenantId,
    type,
    payload,
    aggregateType: 'test',
    aggregateId: '1',
    createdAt: new Date(),
  } as unknown as OutboxEvent;
  await withTenant(h.db, t.tenantId, async (tx) => {
    for (const trigger of triggers)
      if (trigger.on.includes(type as never)) await trigger.run(event, { tx } as unknown as TriggerContext);
  });
}

beforeAll(async () => {
  h = await createHarness();
  t = await createTenantWithKey(h, 'Rollups');
  const f = await createOnSaleEvent(t, { inventory: 5000, price: 4500, capacity: 10_000 });
  eventId = f.eventId;
  const vip = await t.api.post<{ id: number }>(`/api/events/${eventId}/ticket-types`, {
    name: 'VIP',
    price_minor: 12000,
    currency: 'EUR',
    inventory: 1000,
  });
  if (vip.status !== 201) throw new Error(JSON.stringify(vip.body));
  ticketTypes = [
    { id: f.ticketTypeId, price: 4500 },
    { id: vip.body.id, price: 12000 },
  ];
  for (let i = 0; i < 8; i++) {
    const [row] = await h
      .owner('customers')
      .insert({ tenant_id: t.tenantId, email: `c${i}@rollups.example`, name: `C${i}` })
      .returning('id');
    customers.push(row.id);
  }
});
afterAll(() => h.stop());

let orderSeq = 0;
async function insertOrder(paidAt: Date | null): Promise<{ id: number; customerId: number; tickets: number[] }> {
  const customerId = pick(customers);
  const lines = rand() < 0.3 ? ticketTypes : [pick(ticketTypes)];
  const items = lines.map((tt) => ({ tt, quantity: 1 + Math.floor(rand() * 3) }));
  const value = items.reduce((a, i) => a + i.quantity * i.tt.price, 0);
  const promo = rand() < 0.3 ? pick(['EARLY', 'FRIENDS']) : null;
  const [order] = await h
    .owner('orders')
    .insert({
      tenant_id: t.tenantId,
      event_id: eventId,
      customer_id: customerId,
      order_number: `R-${++orderSeq}`,
      status: paidAt ? 'paid' : 'pending',
      currency: 'EUR',
      total_minor: promo ? value - 500 : value,
      payment_provider: 'offline',
      paid_at: paidAt,
      channel: rand() < 0.2 ? null : pick(['web', 'box_office', 'app']),
      promo_code: promo,
    })
    .returning('id');
  const tickets: number[] = [];
  for (const item of items) {
    await h.owner('order_items').insert({
      tenant_id: t.tenantId,
      order_id: order.id,
      ticket_type_id: item.tt.id,
      quantity: item.quantity,
      unit_price_minor: item.tt.price,
    });
    if (!paidAt) continue;
    for (let q = 0; q < item.quantity; q++) {
      const [ticket] = await h
        .owner('tickets')
        .insert({
          tenant_id: t.tenantId,
          event_id: eventId,
          order_id: order.id,
          ticket_type_id: item.tt.id,
          customer_id: customerId,
          code: `RT-${order.id}-${item.tt.id}-${q}`,
        })
        .returning('id');
      tickets.push(ticket.id);
    }
  }
  return { id: order.id, customerId, tickets };
}

async function refund(order: { id: number; customerId: number; tickets: number[] }): Promise<void> {
  const live: { id: number }[] = await h.owner('tickets').whereIn('id', order.tickets).andWhere({ status: 'valid' });
  if (!live.length) return;
  const ticket = live[0].id;
  const [request] = await h
    .owner('refund_requests')
    .insert({
      tenant_id: t.tenantId,
      order_id: order.id,
      event_id: eventId,
      customer_id: order.customerId,
      type: 'refund',
      status: 'processed',
      within_policy: true,
      currency: 'EUR',
      original_amount_minor: 4500,
      refund_amount_minor: 4000,
      quote: '{}',
      processed_at: new Date(),
    })
    .returning('id');
  await h
    .owner('refund_request_tickets')
    .insert({ tenant_id: t.tenantId, request_id: request.id, ticket_id: ticket, paid_minor: 4500 });
  await h.owner('tickets').where({ id: ticket }).update({ status: 'cancelled' });
  const payload = {
    request_id: request.id,
    type: 'refund' as const,
    status: 'processed' as const,
    order_id: order.id,
    event_id: eventId,
    customer_id: order.customerId,
    currency: 'EUR',
    refund_amount_minor: 4000,
    fee_amount_minor: 0,
    route: 'none' as const,
    payment_refund_id: null,
  };
  // The ticket's cancellation and the refund are separate events, in either order.
  if (rand() < 0.5) {
    await fire('ticket.cancelled', { ticket_id: ticket, event_id: eventId, ticket_type_id: 0 });
    await fire('refund.processed', payload);
  } else {
    await fire('refund.processed', payload);
    await fire('ticket.cancelled', { ticket_id: ticket, event_id: eventId, ticket_type_id: 0 });
  }
}

const MEASURES = [
  'orders',
  'tickets',
  'revenue_minor',
  'refunds_minor',
  'refunded_tickets',
  'cancelled_tickets',
  'new_customers',
  'returning_customers',
  'promo_orders',
];

/** The sales rollup computed from scratch over the whole source tables, written independently. */
const RECOMPUTE = `
  with paid as (select * from orders where paid_at is not null),
  first_orders as (select distinct on (customer_id) id from paid order by customer_id, paid_at, id),
  items as (select order_id, ticket_type_id, sum(quantity) as qty, sum(quantity * unit_price_minor) as value
            from order_items group by 1, 2),
  primary_tt as (select order_id, min(ticket_type_id) as tt, sum(value) as value from items group by 1),
  refunds as (select order_id, sum(refund_amount_minor) as amount from refund_requests
              where status = 'processed' and type in ('refund', 'credit') group by 1),
  refunded as (select tk.order_id, tk.ticket_type_id, count(*) as n from refund_request_tickets rt
               join refund_requests r on r.id = rt.request_id and r.status = 'processed' and r.type in ('refund', 'credit')
               join tickets tk on tk.id = rt.ticket_id group by 1, 2),
  cancelled as (select order_id, ticket_type_id, count(*) as n from tickets where status = 'cancelled' group by 1, 2)
  select o.event_id, i.ticket_type_id, coalesce(o.channel, 'unknown') as channel, o.currency,
    date_trunc('hour', o.paid_at, 'UTC') as hour,
    sum(case when i.ticket_type_id = p.tt then 1 else 0 end)::int as orders,
    sum(i.qty)::int as tickets,
    sum(i.value + case when i.ticket_type_id = p.tt then o.total_minor - p.value else 0 end)::bigint as revenue_minor,
    sum(case when i.ticket_type_id = p.tt then coalesce(r.amount, 0) else 0 end)::bigint as refunds_minor,
    sum(coalesce(rd.n, 0))::int as refunded_tickets,
    sum(coalesce(c.n, 0))::int as cancelled_tickets,
    sum(case when i.ticket_type_id = p.tt and f.id is not null then 1 else 0 end)::int as new_customers,
    sum(case when i.ticket_type_id = p.tt and f.id is null then 1 else 0 end)::int as returning_customers,
    sum(case when i.ticket_type_id = p.tt and o.promo_code is not null then 1 else 0 end)::int as promo_orders
  from paid o
  join items i on i.order_id = o.id
  join primary_tt p on p.order_id = o.id
  left join first_orders f on f.id = o.id
  left join refunds r on r.order_id = o.id
  left join refunded rd on rd.order_id = o.id and rd.ticket_type_id = i.ticket_type_id
  left join cancelled c on c.order_id = o.id and c.ticket_type_id = i.ticket_type_id
  where o.tenant_id = ?
  group by 1, 2, 3, 4, 5`;

const keyOf = (r: Record<string, unknown>) =>
  [r.event_id, r.ticket_type_id, r.channel, r.currency, new Date(r.hour as string).toISOString()].join('|');

async function compare(): Promise<number> {
  const expected = (await h.owner.raw(RECOMPUTE, [t.tenantId])).rows as Record<string, unknown>[];
  const actual = (await h.owner.raw(`select * from analytics_sales_hourly where tenant_id = ?`, [t.tenantId]))
    .rows as Record<string, unknown>[];
  const norm = (rows: Record<string, unknown>[]) =>
    Object.fromEntries(
      rows
        .map((r) => [keyOf(r), MEASURES.map((m) => Number(r[m]))] as const)
        .filter(([, v]) => v.some((x) => x !== 0))
        .sort(([a], [b]) => a.localeCompare(b)),
    );
  expect(norm(actual)).toEqual(norm(expected));
  return expected.length;
}

describe('sales rollups', () => {
  it('equal a full recomputation after random late orders, refunds, cancellations and repeated triggers', async () => {
    const now = Date.now();
    const orders: { id: number; customerId: number; tickets: number[] }[] = [];
    for (let i = 0; i < 80; i++) {
      // Payment times are random over ten days, so orders arrive out of order: many are "late".
      const paidAt = rand() < 0.1 ? null : new Date(now - Math.floor(rand() * 10 * 86_400_000));
      const order = await insertOrder(paidAt);
      if (paidAt) {
        orders.push(order);
        await fire('order.created', {
          order_id: order.id,
          event_id: eventId,
          customer_id: order.customerId,
          total_minor: 0,
          currency: 'EUR',
          ticket_ids: order.tickets,
        });
      }
      const r = rand();
      if (r < 0.15 && orders.length) await refund(pick(orders));
      else if (r < 0.2 && orders.length) {
        const victim = pick(orders);
        await h.owner('tickets').where({ order_id: victim.id }).update({ status: 'cancelled' });
        await h.owner('orders').where({ id: victim.id }).update({ status: 'cancelled' });
        await fire('order.cancelled', {
          order_id: victim.id,
          event_id: eventId,
          reason: 'test',
          released_ticket_ids: victim.tickets,
        });
      } else if (r < 0.3 && orders.length) {
        // A trigger run again (a retry after a crash before its record): changes nothing.
        const again = pick(orders);
        await fire('order.created', {
          order_id: again.id,
          event_id: eventId,
          customer_id: again.customerId,
          total_minor: 0,
          currency: 'EUR',
          ticket_ids: again.tickets,
        });
      }
    }
    const buckets = await compare();
    expect(buckets).toBeGreaterThan(20);

    // New vs returning: exactly one first purchase per buying customer, whatever the arrival order.
    const [{ n }] = (
      await h.owner.raw(`select sum(new_customers)::int as n from analytics_sales_hourly where tenant_id = ?`, [
        t.tenantId,
      ])
    ).rows;
    const buyers = new Set(orders.map((o) => o.customerId)).size;
    expect(n).toBe(buyers);

    // The whole-tenant daily rollup is the hourly one summed by day.
    const byDay = async (sql: string) =>
      (await h.owner.raw(sql, [t.tenantId])).rows.map((r: Record<string, unknown>) => JSON.stringify(r));
    const cols = MEASURES.map((m) => `sum(${m})::bigint as ${m}`).join(', ');
    expect(
      await byDay(
        `select channel, currency, day, ${cols} from analytics_sales_daily where tenant_id = ? group by 1, 2, 3
         having ${MEASURES.map((m) => `sum(${m}) <> 0`).join(' or ')} order by 1, 2, 3`,
      ),
    ).toEqual(
      await byDay(
        `select channel, currency, (hour at time zone 'UTC')::date as day, ${cols} from analytics_sales_hourly
         where tenant_id = ? group by 1, 2, 3 having ${MEASURES.map((m) => `sum(${m}) <> 0`).join(' or ')} order by 1, 2, 3`,
      ),
    );

    // Promo rollup equals the orders with a code.
    const promo = (
      await h.owner.raw(
        `select promo_code, sum(orders)::int as orders, sum(revenue_minor)::bigint as revenue from analytics_promo_daily
         where tenant_id = ? group by 1 order by 1`,
        [t.tenantId],
      )
    ).rows;
    const expectedPromo = (
      await h.owner.raw(
        `select promo_code, count(*)::int as orders, sum(total_minor)::bigint as revenue from orders
         where tenant_id = ? and paid_at is not null and promo_code is not null group by 1 order by 1`,
        [t.tenantId],
      )
    ).rows;
    expect(promo).toEqual(expectedPromo);
  });

  it('are not written while the module is off', async () => {
    const off = await createTenantWithKey(h, 'No analytics', ['admin'], ['refunds']);
    const f = await createOnSaleEvent(off);
    await withTenant(h.db, off.tenantId, async (tx) => {
      const [order] = await tx('orders')
        .insert({
          tenant_id: off.tenantId,
          event_id: f.eventId,
          customer_id: f.customerId,
          order_number: 'OFF-1',
          status: 'paid',
          currency: 'EUR',
          total_minor: 100,
          payment_provider: 'offline',
          paid_at: new Date(),
        })
        .returning('id');
      const event = {
        id: 1,
        tenantId: off.tenantId,
        type: 'order.created',
        payload: {
          order_id: order.id,
          event_id: f.eventId,
          customer_id: f.customerId,
          total_minor: 100,
          currency: 'EUR',
          ticket_ids: [],
        },
      } as unknown as OutboxEvent;
      const created = triggers.find((tr) => tr.name === 'analytics.order_created');
      await created?.run(event, { tx } as unknown as TriggerContext);
    });
    const rows = await h.owner('analytics_order_lines').where({ tenant_id: off.tenantId });
    expect(rows).toEqual([]);
  });
});
