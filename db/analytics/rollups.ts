import type { Tx } from '../connection';

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
] as const;

const sumOf = (prefix = '') => MEASURES.map((m) => `sum(${prefix}${m}) as ${m}`).join(', ');
const negated = MEASURES.map((m) => `-${m}`).join(', ');
const addTo = (table: string) => MEASURES.map((m) => `${m} = ${table}.${m} + excluded.${m}`).join(', ');
const anyNonZero = MEASURES.map((m) => `sum(${m}) <> 0`).join(' or ');

/**
 * Serialises the re-derivation of one customer's orders: two triggers re-deriving the same order at
 * once would both read its old lines and apply the same difference twice. The lock is the customer's
 * because an order's first purchase changes which of the customer's other orders is "new".
 */
export async function lockCustomerRollups(tx: Tx, tenantId: string, customerId: number): Promise<void> {
  await tx.raw(`select pg_advisory_xact_lock(hashtextextended(?, 0))`, [`analytics:${tenantId}:${customerId}`]);
}

/**
 * Re-derives each order's contribution to the sales rollups from the source rows (orders, items,
 * processed refunds, cancelled tickets) and applies the difference to `analytics_sales_hourly`,
 * `analytics_sales_daily` and `analytics_promo_daily`: running it twice, or for an order nothing happened to, changes nothing.
 * An order counts from the hour it was paid; an order once paid and then cancelled still counts as
 * sold, with its tickets cancelled. Orders are counted on their lowest ticket type's line, and the
 * difference between the order total and its items' value (discounts, fees) goes there too, so the
 * lines of an order sum to its total.
 */
export async function rederiveOrders(tx: Tx, orderIds: readonly number[]): Promise<number> {
  if (!orderIds.length) return 0;
  const ids = `{${orderIds.map((id) => Math.trunc(id)).join(',')}}`;
  const keys = 'tenant_id, event_id, ticket_type_id, channel, currency, hour, promo_code';
  const { rows } = await tx.raw<{ rows: { n: number }[] }>(
    `
    with target as (
      select o.id, o.tenant_id, o.event_id, o.customer_id, coalesce(o.channel, 'unknown') as channel, o.currency,
        date_trunc('hour', o.paid_at, 'UTC') as hour, o.total_minor, o.promo_code, o.paid_at
      from orders o where o.id = any(:ids::bigint[]) and o.paid_at is not null
    ),
    items as (
      select i.order_id, i.ticket_type_id, sum(i.quantity)::int as qty, sum(i.quantity * i.unit_price_minor)::bigint as value
      from order_items i where i.order_id = any(:ids::bigint[]) group by 1, 2
    ),
    firsts as (select order_id, min(ticket_type_id) as tt, sum(value) as value from items group by 1),
    is_new as (
      select t.id, not exists (
        select 1 from orders p where p.customer_id = t.customer_id and p.paid_at is not null
          and (p.paid_at, p.id) < (t.paid_at, t.id)) as first
      from target t
    ),
    refunds as (
      select r.order_id, sum(r.refund_amount_minor)::bigint as amount from refund_requests r
      where r.order_id = any(:ids::bigint[]) and r.status = 'processed' and r.type in ('refund', 'credit') group by 1
    ),
    refunded as (
      select tk.order_id, tk.ticket_type_id, count(*)::int as n
      from refund_requests r
      join refund_request_tickets rt on rt.request_id = r.id
      join tickets tk on tk.id = rt.ticket_id
      where r.order_id = any(:ids::bigint[]) and r.status = 'processed' and r.type in ('refund', 'credit')
      group by 1, 2
    ),
    cancelled as (
      select order_id, ticket_type_id, count(*)::int as n from tickets
      where order_id = any(:ids::bigint[]) and status = 'cancelled' group by 1, 2
    ),
    fresh as (
      select t.tenant_id, t.id as order_id, i.ticket_type_id, t.customer_id, t.event_id, t.channel, t.currency, t.hour,
        (i.ticket_type_id = f.tt)::int as orders,
        i.qty as tickets,
        i.value + case when i.ticket_type_id = f.tt then t.total_minor - f.value else 0 end as revenue_minor,
        case when i.ticket_type_id = f.tt then coalesce(rf.amount, 0) else 0 end as refunds_minor,
        coalesce(rd.n, 0) as refunded_tickets,
        coalesce(c.n, 0) as cancelled_tickets,
        (i.ticket_type_id = f.tt and n.first)::int as new_customers,
        (i.ticket_type_id = f.tt and not n.first)::int as returning_customers,
        (i.ticket_type_id = f.tt and t.promo_code is not null)::int as promo_orders,
        t.promo_code
      from target t
      join items i on i.order_id = t.id
      join firsts f on f.order_id = t.id
      join is_new n on n.id = t.id
      left join refunds rf on rf.order_id = t.id
      left join refunded rd on rd.order_id = t.id and rd.ticket_type_id = i.ticket_type_id
      left join cancelled c on c.order_id = t.id and c.ticket_type_id = i.ticket_type_id
    ),
    old as (select * from analytics_order_lines where order_id = any(:ids::bigint[])),
    delta as (
      select ${keys}, ${sumOf()} from (
        select ${keys}, ${MEASURES.join(', ')} from fresh
        union all
        select ${keys}, ${negated} from old
      ) d group by ${keys}
    ),
    lines as (
      insert into analytics_order_lines (tenant_id, order_id, ticket_type_id, customer_id, event_id, channel, currency,
        hour, ${MEASURES.join(', ')}, promo_code)
      select tenant_id, order_id, ticket_type_id, customer_id, event_id, channel, currency, hour,
        ${MEASURES.join(', ')}, promo_code
      from fresh
      on conflict (tenant_id, order_id, ticket_type_id) do update set
        ${MEASURES.map((m) => `${m} = excluded.${m}`).join(', ')}
    ),
    hourly as (
      insert into analytics_sales_hourly (tenant_id, event_id, ticket_type_id, channel, currency, hour, ${MEASURES.join(', ')})
      select tenant_id, event_id, ticket_type_id, channel, currency, hour, ${sumOf()}
      from delta group by tenant_id, event_id, ticket_type_id, channel, currency, hour
      having ${anyNonZero}
      on conflict (tenant_id, event_id, ticket_type_id, channel, currency, hour) do update set ${addTo('analytics_sales_hourly')}
    ),
    daily as (
      insert into analytics_sales_daily (tenant_id, channel, currency, day, ${MEASURES.join(', ')})
      select tenant_id, channel, currency, (hour at time zone 'UTC')::date, ${sumOf()}
      from delta group by tenant_id, channel, currency, (hour at time zone 'UTC')::date
      having ${anyNonZero}
      on conflict (tenant_id, day, channel, currency) do update set ${addTo('analytics_sales_daily')}
    ),
    promo as (
      insert into analytics_promo_daily (tenant_id, event_id, promo_code, currency, day, orders, tickets, revenue_minor)
      select tenant_id, event_id, promo_code, currency, (hour at time zone 'UTC')::date, sum(orders), sum(tickets), sum(revenue_minor)
      from delta where promo_code is not null
      group by tenant_id, event_id, promo_code, currency, (hour at time zone 'UTC')::date
      having sum(orders) <> 0 or sum(tickets) <> 0 or sum(revenue_minor) <> 0
      on conflict (tenant_id, event_id, promo_code, currency, day) do update set
        orders = analytics_promo_daily.orders + excluded.orders,
        tickets = analytics_promo_daily.tickets + excluded.tickets,
        revenue_minor = analytics_promo_daily.revenue_minor + excluded.revenue_minor
    ),
    months as (
      insert into analytics_customer_months (tenant_id, customer_id, month)
      select distinct tenant_id, customer_id, date_trunc('month', hour at time zone 'UTC')::date from fresh
      on conflict do nothing
    )
    select count(distinct order_id)::int as n from fresh
    `,
    { ids },
  );
  return rows[0]?.n ?? 0;
}

/** The order's customer, for the lock; undefined for an order that is not there (or another tenant's). */
export async function orderCustomer(tx: Tx, orderId: number): Promise<number | undefined> {
  const row = await tx('orders').where({ id: orderId }).first('customer_id');
  return row?.customer_id;
}

/** The customer's orders currently counted as their first purchase (at most one, barring a race being fixed). */
export async function countedFirstOrders(tx: Tx, customerId: number): Promise<number[]> {
  const rows: { order_id: number }[] = await tx('analytics_order_lines')
    .where({ customer_id: customerId })
    .andWhere('new_customers', '>', 0)
    .select('order_id');
  return rows.map((r) => r.order_id);
}

export async function ticketOrder(tx: Tx, ticketId: number): Promise<number | undefined> {
  const row = await tx('tickets').where({ id: ticketId }).first('order_id');
  return row?.order_id;
}

/**
 * Decides an order's marketing attribution once, from the customer's touches (their own and those of
 * anonymous ids seen with them) inside the window before payment, and adds it to the attribution
 * rollup and to the funnel's purchases (under the last touch's channel; `direct` with no touch).
 * A second call for the same order changes nothing.
 */
export async function attributeOrder(tx: Tx, orderId: number, windowDays: number): Promise<boolean> {
  const { rows } = await tx.raw<{ rows: { n: number }[] }>(
    `
    with o as (
      select id, tenant_id, event_id, customer_id, currency, total_minor, paid_at
      from orders where id = :orderId and paid_at is not null
    ),
    vis as (
      select 'c:' || customer_id as visitor from o
      union select 'a:' || i.anonymous_id from analytics_identities i join o on i.customer_id = o.customer_id
    ),
    t as (
      select tc.channel, tc.first_at from analytics_touches tc join vis on tc.visitor = vis.visitor, o
      where tc.first_at <= o.paid_at and tc.first_at > o.paid_at - make_interval(days => :windowDays)
    ),
    nc as (select coalesce(sum(new_customers), 0)::int as n from analytics_order_lines where order_id = :orderId),
    chs as (select coalesce(array_agg(channel order by first_at, channel), '{direct}') as channels from t),
    a as (
      insert into analytics_order_attribution (tenant_id, order_id, event_id, day, currency, revenue_minor,
        first_channel, last_channel, channels)
      select o.tenant_id, o.id, o.event_id, (o.paid_at at time zone 'UTC')::date, o.currency, o.total_minor,
        chs.channels[1], chs.channels[cardinality(chs.channels)], chs.channels
      from o, chs
      on conflict do nothing
      returning *
    ),
    credit as (
      select a.tenant_id, a.event_id, a.currency, a.day, u.channel, a.revenue_minor,
        (u.channel = a.first_channel)::int as f, (u.channel = a.last_channel)::int as l,
        u.n::float8 / cardinality(a.channels) as share, case when u.channel = a.last_channel then nc.n else 0 end as nc
      from a, nc, lateral (select channel, count(*) as n from unnest(a.channels) as channel group by channel) u
    ),
    attr as (
      insert into analytics_attribution_daily (tenant_id, event_id, channel, currency, day, first_orders,
        first_revenue_minor, last_orders, last_revenue_minor, linear_orders, linear_revenue_minor, new_customers)
      select tenant_id, event_id, channel, currency, day, f, f * revenue_minor, l, l * revenue_minor, share,
        share * revenue_minor, nc
      from credit
      on conflict (tenant_id, event_id, channel, currency, day) do update set
        first_orders = analytics_attribution_daily.first_orders + excluded.first_orders,
        first_revenue_minor = analytics_attribution_daily.first_revenue_minor + excluded.first_revenue_minor,
        last_orders = analytics_attribution_daily.last_orders + excluded.last_orders,
        last_revenue_minor = analytics_attribution_daily.last_revenue_minor + excluded.last_revenue_minor,
        linear_orders = analytics_attribution_daily.linear_orders + excluded.linear_orders,
        linear_revenue_minor = analytics_attribution_daily.linear_revenue_minor + excluded.linear_revenue_minor,
        new_customers = analytics_attribution_daily.new_customers + excluded.new_customers
    ),
    funnel as (
      insert into analytics_funnel_daily (tenant_id, event_id, channel, day, purchases)
      select tenant_id, event_id, last_channel, day, 1 from a
      on conflict (tenant_id, event_id, channel, day) do update set purchases = analytics_funnel_daily.purchases + 1
    )
    select count(*)::int as n from a
    `,
    { orderId, windowDays },
  );
  return (rows[0]?.n ?? 0) > 0;
}

/** Every ever-paid order of the tenant, for a backfill when the module is switched on (and for tests). */
export async function paidOrderIds(tx: Tx, afterId: number, limit: number): Promise<number[]> {
  const rows: { id: number }[] = await tx('orders')
    .whereNotNull('paid_at')
    .andWhere('id', '>', afterId)
    .orderBy('id')
    .limit(limit)
    .select('id');
  return rows.map((r) => r.id);
}
