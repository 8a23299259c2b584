import { withTenant, type Db, type Tx } from '../db/connection';
import { ingestTracking, type TrackingRow } from '../db/analytics/tracking';
import { attributeOrder, rederiveOrders } from '../db/analytics/rollups';
import { mulberry32, normalSample, poissonSample } from '../domain/analytics/backtest';
import { MAX_DAYS_BEFORE, type PastEventSales } from '../domain/analytics/forecast';

/**
 * Demo history for the analytics page and the forecast back-test: past events of a tenant with
 * thousands of paid orders along noisy booking curves (the shape the pickup model assumes), sales
 * channels and promo codes, returning customers from several countries, storefront tracking
 * (views, carts, checkouts leading to each order), check-ins at each past event, and a few
 * upcoming events part-way through their sales. Deterministic for a seed (mulberry32), written in
 * bulk statements, and idempotent: a tenant that already has the history is left as it is.
 *
 * The lead calls it from scripts/demo-seed.ts:
 *   `await withTenant(app, tenantId, ...)` is not needed: `await seedDemoHistory(app, tenantId)`.
 */

export interface DemoHistoryOptions {
  seed: number;
  /** Past events, one every `spacingDays`, the last ending a week before `now`. */
  pastEvents: number;
  upcomingEvents: number;
  spacingDays: number;
  customers: number;
  now: Date;
  /** Storefront tracking per order (views, carts and checkouts around each purchase). */
  tracking: boolean;
  /**
   * Orders of events starting less than this many days before `now` (and of upcoming events) get
   * their marketing attribution decided, as the order trigger would; older ones keep none. About
   * 5 ms an order, one statement each (db/analytics/rollups.ts attributeOrder): attributing all of
   * them would break the 20-second budget of the demo seed.
   */
  attributeSinceDays: number;
}

export const DEFAULT_DEMO_HISTORY: DemoHistoryOptions = {
  seed: 2026,
  pastEvents: 12,
  upcomingEvents: 3,
  spacingDays: 28,
  customers: 2500,
  now: new Date(),
  tracking: true,
  attributeSinceDays: 90,
};

export interface DemoHistorySummary {
  created: boolean;
  events: number;
  orders: number;
  tickets: number;
  trackingEvents: number;
  checkins: number;
  /** Where the time went, per phase. */
  timings_ms: Record<'orders' | 'rollups' | 'tracking' | 'attribution', number>;
}

export const DEMO_HISTORY_REF = 'demo-history';

const DAY = 86_400_000;
const CATEGORIES = [
  { name: 'concerts', price: 4500, demand: 0.78, names: ['Night Shift Live', 'Riverside Sessions', 'Echo Park Tour'] },
  { name: 'theatre', price: 3200, demand: 0.62, names: ['The Glass Menagerie', 'Hamlet Reimagined', 'Summer Revue'] },
  { name: 'comedy', price: 2500, demand: 0.7, names: ['Stand-up Saturday', 'Laugh Track', 'Open Mic Gala'] },
] as const;
const CAPACITIES = [300, 500, 800, 1200];
const SALES_CHANNELS: [string, number][] = [
  ['web', 0.58],
  ['app', 0.2],
  ['box_office', 0.09],
  ['partner', 0.08],
  ['phone', 0.05],
];
const MARKETING_CHANNELS: [string, number][] = [
  ['direct', 0.28],
  ['search', 0.24],
  ['social', 0.22],
  ['email', 0.16],
  ['referral', 0.1],
];
const COUNTRIES: [string, number][] = [
  ['DE', 0.55],
  ['AT', 0.12],
  ['CH', 0.08],
  ['NL', 0.08],
  ['FR', 0.07],
  ['PL', 0.05],
  ['GB', 0.05],
];
const PROMOS = ['EARLYBIRD', 'FRIENDS10', 'STUDENT'];
/** Hour-of-day weights (UTC) of purchases: lunch and evening peaks, for the heat map. */
const HOUR_WEIGHTS = [
  1, 0.5, 0.3, 0.2, 0.2, 0.3, 0.6, 1.2, 2, 2.5, 2.8, 3.2, 4, 3.6, 3, 3, 3.4, 4.2, 5.2, 5.8, 5.4, 4.2, 3, 1.8,
];

function pick<T>(random: () => number, weighted: readonly [T, number][]): T {
  const total = weighted.reduce((a, [, w]) => a + w, 0);
  let r = random() * total;
  for (const [v, w] of weighted) {
    r -= w;
    if (r <= 0) return v;
  }
  return weighted[weighted.length - 1][0];
}

interface PlannedOrder {
  n: number;
  customer: number;
  vip: boolean;
  quantity: number;
  paid_at: string;
  channel: string;
  promo_code: string | null;
  marketing: string;
}

interface PlannedEvent {
  index: number;
  name: string;
  category: string;
  capacity: number;
  price: number;
  startsAt: Date;
  past: boolean;
  orders: PlannedOrder[];
}

/** The whole history, decided up front from the seed: same seed, same events and orders. */
export function planDemoHistory(o: DemoHistoryOptions): PlannedEvent[] {
  const random = mulberry32(o.seed);
  const hourWeights = HOUR_WEIGHTS.map((w, h) => [h, w] as [number, number]);
  // Returning customers: a few loyal fans buy often (a Zipf-like pick over the pool).
  const customerOf = () => Math.min(o.customers - 1, Math.floor(o.customers * random() ** 1.8));
  const events: PlannedEvent[] = [];
  const total = o.pastEvents + o.upcomingEvents;
  const lastPastStart = new Date(o.now.getTime() - 7 * DAY);
  lastPastStart.setUTCHours(19, 0, 0, 0);
  for (let i = 0; i < total; i++) {
    const past = i < o.pastEvents;
    const cat = CATEGORIES[Math.floor(random() * CATEGORIES.length)];
    const capacity = CAPACITIES[Math.floor(random() * CAPACITIES.length)];
    const startsAt = past
      ? new Date(lastPastStart.getTime() - (o.pastEvents - 1 - i) * o.spacingDays * DAY)
      : new Date(lastPastStart.getTime() + (i - o.pastEvents + 1) * 17 * DAY + 7 * DAY);
    const demand = Math.max(0.2, cat.demand + 0.14 * normalSample(random));
    const tau = 12 + random() * 20;
    const window = 90;
    const norm = 1 - Math.exp(-window / tau);
    const orders: PlannedOrder[] = [];
    let sold = 0;
    let vipSold = 0;
    const vipCap = Math.floor(capacity * 0.1);
    for (let d = window; d >= 0 && sold < capacity; d--) {
      // Purchases fall on the calendar day d days before the start, at the weighted hours (UTC).
      const dayStart = Math.floor((startsAt.getTime() - d * DAY) / DAY) * DAY;
      if (dayStart > o.now.getTime() - DAY) break;
      const share = (Math.exp(-d / tau) - (d === window ? 0 : Math.exp(-(d + 1) / tau))) / norm;
      let q = Math.min(capacity - sold, poissonSample(random, demand * capacity * share));
      while (q > 0) {
        const quantity = Math.min(q, 1 + Math.floor(random() ** 1.6 * 4));
        const vip = random() < 0.1 && vipSold + quantity <= vipCap;
        if (vip) vipSold += quantity;
        const hour = pick(random, hourWeights);
        const paidAt = new Date(dayStart + hour * 3_600_000 + Math.floor(random() * 3_600_000));
        if (paidAt.getTime() >= o.now.getTime()) break;
        orders.push({
          n: orders.length + 1,
          customer: customerOf(),
          vip,
          quantity,
          paid_at: paidAt.toISOString(),
          channel: pick(random, SALES_CHANNELS),
          promo_code: random() < 0.09 ? PROMOS[Math.floor(random() * PROMOS.length)] : null,
          marketing: pick(random, MARKETING_CHANNELS),
        });
        q -= quantity;
        sold += quantity;
      }
    }
    events.push({
      index: i + 1,
      name: `${cat.names[i % cat.names.length]} #${i + 1}`,
      category: cat.name,
      capacity,
      price: cat.price,
      startsAt,
      past,
      orders,
    });
  }
  return events;
}

/**
 * The past events of the demo history as the forecast reads them (tickets per day before the start),
 * without a database: what `npm run analytics:backtest` replays by default and the benchmark uses.
 */
export function demoHistorySales(options: Partial<DemoHistoryOptions> = {}): PastEventSales[] {
  const o = { ...DEFAULT_DEMO_HISTORY, ...options };
  return planDemoHistory(o)
    .filter((e) => e.past)
    .map((e) => {
      const daily = new Array<number>(MAX_DAYS_BEFORE + 1).fill(0);
      for (const x of e.orders) {
        const k = Math.floor((e.startsAt.getTime() - Date.parse(x.paid_at)) / DAY);
        daily[Math.min(MAX_DAYS_BEFORE, Math.max(0, k))] += x.quantity;
      }
      return {
        id: e.index,
        category: e.category,
        capacity: e.capacity,
        startsAt: e.startsAt,
        endsAt: new Date(e.startsAt.getTime() + 3 * 3_600_000),
        daily,
      };
    });
}

/** Seeds the demo history into `tenantId` (the application role is enough: every row is the tenant's). */
export async function seedDemoHistory(
  db: Db,
  tenantId: string,
  options: Partial<DemoHistoryOptions> = {},
): Promise<DemoHistorySummary> {
  const o = { ...DEFAULT_DEMO_HISTORY, ...options };
  const plan = planDemoHistory(o);
  const summary: DemoHistorySummary = {
    created: false,
    events: 0,
    orders: 0,
    tickets: 0,
    trackingEvents: 0,
    checkins: 0,
    timings_ms: { orders: 0, rollups: 0, tracking: 0, attribution: 0 },
  };
  const timed = async <T>(phase: keyof DemoHistorySummary['timings_ms'], fn: () => Promise<T>): Promise<T> => {
    const t0 = Date.now();
    try {
      return await fn();
    } finally {
      summary.timings_ms[phase] += Date.now() - t0;
    }
  };
  const customerIds = await withTenant(db, tenantId, async (tx) => {
    const { rows } = await tx.raw<{ rows: { n: number }[] }>(
      `select count(*)::int as n from events where external_ref like ?`,
      [`${DEMO_HISTORY_REF}-%`],
    );
    if (rows[0].n > 0) return undefined;
    return seedCustomers(tx, tenantId, o);
  });
  if (!customerIds) return summary;
  summary.created = true;
  const random = mulberry32(o.seed + 1);
  for (const event of plan) {
    await withTenant(db, tenantId, async (tx) => {
      const orderIds = await timed('orders', () => seedEvent(tx, tenantId, event, customerIds, summary));
      await timed('rollups', () => rederiveInChunks(tx, orderIds));
      if (o.tracking)
        summary.trackingEvents += await timed('tracking', () => seedTracking(tx, tenantId, event, customerIds, random));
      // Attribution reads the touches that tracking wrote: decided once per order, as the trigger would.
      if (event.startsAt.getTime() > o.now.getTime() - o.attributeSinceDays * DAY)
        await timed('attribution', async () => {
          for (const id of orderIds) await attributeOrder(tx, id, 30);
        });
    });
  }
  return summary;
}

async function seedCustomers(tx: Tx, tenantId: string, o: DemoHistoryOptions): Promise<number[]> {
  const random = mulberry32(o.seed + 2);
  const first = ['Mia', 'Noah', 'Lena', 'Elias', 'Emma', 'Paul', 'Sofia', 'Luca', 'Hanna', 'Finn', 'Amira', 'Jonas'];
  const last = ['Becker', 'Wagner', 'Hoffmann', 'Schulz', 'Koch', 'Richter', 'Klein', 'Wolf', 'Neumann', 'Braun'];
  const people = Array.from({ length: o.customers }, (_, i) => ({
    email: `${DEMO_HISTORY_REF}-${i}@example.com`,
    name: `${first[i % first.length]} ${last[Math.floor(i / first.length) % last.length]}`,
    country: pick(random, COUNTRIES),
  }));
  await tx.raw(
    `insert into customers (tenant_id, email, name, country, created_at)
     select ?::text, x.email, x.name, x.country, now() - interval '2 years'
     from jsonb_to_recordset(?::jsonb) as x(email text, name text, country text)
     on conflict (tenant_id, email) do nothing`,
    [tenantId, JSON.stringify(people)],
  );
  const { rows } = await tx.raw<{ rows: { id: number; email: string }[] }>(
    `select id, email from customers where email like ?`,
    [`${DEMO_HISTORY_REF}-%@example.com`],
  );
  const byEmail = new Map(rows.map((r) => [r.email, r.id]));
  return people.map((p) => byEmail.get(p.email)!);
}

async function seedEvent(
  tx: Tx,
  tenantId: string,
  e: PlannedEvent,
  customerIds: number[],
  summary: DemoHistorySummary,
): Promise<number[]> {
  const {
    rows: [ev],
  } = await tx.raw<{ rows: { id: number }[] }>(
    `insert into events (tenant_id, external_ref, name, venue_name, venue_address, timezone, starts_at, ends_at,
       capacity, status, category, created_at)
     values (?, ?, ?, 'Tempodrom', 'Möckernstraße 10, 10963 Berlin', 'Europe/Berlin', ?, ?, ?, ?, ?, ?)
     returning id`,
    [
      tenantId,
      `${DEMO_HISTORY_REF}-${e.index}`,
      e.name,
      e.startsAt,
      new Date(e.startsAt.getTime() + 3 * 3_600_000),
      e.capacity,
      e.past ? 'ended' : 'on_sale',
      e.category,
      new Date(e.startsAt.getTime() - 100 * DAY),
    ],
  );
  const vipInventory = Math.floor(e.capacity * 0.1);
  const sold = (vip: boolean) => e.orders.filter((x) => x.vip === vip).reduce((a, x) => a + x.quantity, 0);
  const { rows: types } = await tx.raw<{ rows: { id: number; name: string }[] }>(
    `insert into ticket_types (tenant_id, event_id, name, price_minor, currency, inventory, sold)
     values (?, ?, 'General admission', ?, 'EUR', ?, ?), (?, ?, 'VIP', ?, 'EUR', ?, ?)
     returning id, name`,
    [
      tenantId,
      ev.id,
      e.price,
      e.capacity - vipInventory,
      sold(false),
      tenantId,
      ev.id,
      e.price * 3,
      vipInventory,
      sold(true),
    ],
  );
  const general = types.find((t) => t.name !== 'VIP')!.id;
  const vip = types.find((t) => t.name === 'VIP')!.id;
  const orders = e.orders.map((x) => {
    const unit = x.vip ? e.price * 3 : e.price;
    const discount = x.promo_code ? Math.round(unit * x.quantity * 0.1) : 0;
    return {
      customer_id: customerIds[x.customer],
      order_number: `DH${e.index}-${x.n}`,
      total_minor: unit * x.quantity - discount,
      unit,
      quantity: x.quantity,
      ticket_type_id: x.vip ? vip : general,
      paid_at: x.paid_at,
      channel: x.channel,
      promo_code: x.promo_code,
    };
  });
  // One statement per table: orders, then their items and tickets from what was inserted.
  const { rows: inserted } = await tx.raw<{ rows: { id: number }[] }>(
    `with x as (
       select * from jsonb_to_recordset(?::jsonb) as x(customer_id bigint, order_number text, total_minor integer,
         unit integer, quantity integer, ticket_type_id bigint, paid_at timestamptz, channel text, promo_code text)
     ),
     o as (
       insert into orders (tenant_id, event_id, customer_id, order_number, status, currency, total_minor,
         payment_provider, payment_reference, paid_at, created_at, updated_at, channel, promo_code)
       select ?::text, ?::bigint, customer_id, order_number, 'paid', 'EUR', total_minor, 'external', 'demo-' || order_number,
         paid_at, paid_at - interval '3 minutes', paid_at, channel, promo_code
       from x
       returning id, order_number, customer_id
     ),
     i as (
       insert into order_items (tenant_id, order_id, ticket_type_id, quantity, unit_price_minor)
       select ?::text, o.id, x.ticket_type_id, x.quantity, x.unit from o join x using (order_number)
     ),
     t as (
       insert into tickets (tenant_id, event_id, order_id, ticket_type_id, customer_id, code, status, created_at, updated_at)
       select ?::text, ?::bigint, o.id, x.ticket_type_id, o.customer_id, 'DH-' || o.id || '-' || g, 'valid', x.paid_at, x.paid_at
       from o join x using (order_number), generate_series(1, x.quantity) g
     )
     select id from o order by id`,
    [JSON.stringify(orders), tenantId, ev.id, tenantId, tenantId, ev.id],
  );
  summary.events++;
  summary.orders += inserted.length;
  summary.tickets += orders.reduce((a, x) => a + x.quantity, 0);
  if (e.past) summary.checkins += await seedCheckins(tx, tenantId, ev.id, e.startsAt);
  await tx.raw(`update events set status = ? where id = ? and ? >= capacity`, [
    e.past ? 'ended' : 'sold_out',
    ev.id,
    sold(true) + sold(false),
  ]);
  return inserted.map((r) => r.id);
}

/** About 88% of a past event's tickets admitted at one gate in the hour around doors (no-shows for the rest). */
async function seedCheckins(tx: Tx, tenantId: string, eventId: number, startsAt: Date): Promise<number> {
  const {
    rows: [gate],
  } = await tx.raw<{ rows: { id: number }[] }>(
    `insert into checkin_gates (tenant_id, event_id, name, location) values (?, ?, 'Main', 'Main entrance') returning id`,
    [tenantId, eventId],
  );
  const { rows } = await tx.raw<{ rows: { n: number }[] }>(
    `with t as (
       select id, code, ticket_type_id,
         :doors::timestamptz - interval '60 minutes' + make_interval(secs => (abs(hashtext(code)) % 4500)) as at
       from tickets where event_id = :eventId and abs(hashtext(code || 'show')) % 100 < 88
     ),
     s as (
       insert into checkin_scans (tenant_id, event_id, scan_id, code, ticket_id, gate_id, direction, verdict, source, scanned_at)
       select :tenantId::text, :eventId::bigint, 'demo-' || t.id, t.code, t.id, :gateId::bigint, 'entry', 'success', 'online', t.at from t
     ),
     p as (
       insert into checkin_presence (ticket_id, tenant_id, event_id, ticket_type_id, inside, gate_id, first_scan_id,
         first_gate_id, first_admitted_at)
       select t.id, :tenantId::text, :eventId::bigint, t.ticket_type_id, false, :gateId::bigint, 'demo-' || t.id,
         :gateId::bigint, t.at from t
     ),
     c as (
       insert into checkin_counters (tenant_id, event_id, gate_id, minute, shard, admissions, entries, exits)
       select :tenantId::text, :eventId::bigint, :gateId::bigint, date_trunc('minute', at), 0, count(*), count(*), count(*)
       from t group by date_trunc('minute', at)
     )
     select count(*)::int as n from t`,
    { doors: startsAt, eventId, tenantId, gateId: gate.id },
  );
  return rows[0].n;
}

async function rederiveInChunks(tx: Tx, orderIds: number[]): Promise<void> {
  for (let i = 0; i < orderIds.length; i += 1000) await rederiveOrders(tx, orderIds.slice(i, i + 1000));
}

/**
 * The storefront's side of each order: the buyer's earlier anonymous visits (a marketing touch, event
 * views, a cart, a checkout with their customer id) in the days before payment, plus browsers who
 * never bought, so the funnel narrows at every step.
 */
async function seedTracking(
  tx: Tx,
  tenantId: string,
  e: PlannedEvent,
  customerIds: number[],
  random: () => number,
): Promise<number> {
  const { rows: ids } = await tx.raw<{ rows: { id: number; ticket_type_id: number }[] }>(
    `select e.id, min(t.id) as ticket_type_id from events e join ticket_types t on t.event_id = e.id
     where e.external_ref = ? group by e.id`,
    [`${DEMO_HISTORY_REF}-${e.index}`],
  );
  const eventId = ids[0].id;
  const ticketTypeId = ids[0].ticket_type_id;
  const rows: TrackingRow[] = [];
  const row = (
    id: string,
    type: TrackingRow['type'],
    at: number,
    visitor: { anon: string; customer: number | null; channel: string },
  ): TrackingRow => ({
    client_event_id: id,
    type,
    anonymous_id: visitor.anon,
    customer_id: visitor.customer,
    event_id: type === 'page_view' ? null : eventId,
    ticket_type_id: type === 'add_to_cart' || type === 'checkout_started' ? ticketTypeId : null,
    channel: visitor.channel,
    utm_source: null,
    utm_medium: null,
    utm_campaign: null,
    referrer: null,
    country: null,
    price_minor: type === 'add_to_cart' ? e.price : null,
    occurred_at: new Date(at).toISOString(),
  });
  for (const o of e.orders) {
    const paid = Date.parse(o.paid_at);
    const anon = `dh-${e.index}-${o.n}`;
    const visitor = { anon, customer: null, channel: o.marketing };
    const buyer = { anon, customer: customerIds[o.customer], channel: o.marketing };
    const lead = (1 + random() * 72) * 3_600_000;
    rows.push(row(`${anon}-p`, 'page_view', paid - lead, visitor));
    const views = 1 + poissonSample(random, 1.5);
    for (let v = 0; v < views; v++)
      rows.push(row(`${anon}-v${v}`, 'event_view', paid - lead + (v + 1) * 60_000, visitor));
    rows.push(row(`${anon}-c`, 'add_to_cart', paid - 10 * 60_000, buyer));
    rows.push(row(`${anon}-k`, 'checkout_started', paid - 5 * 60_000, buyer));
    // Browsers who did not buy: one who only looked, one who left a cart, one who left at checkout.
    for (let b = 1; b < 4; b++) {
      const other = { anon: `${anon}-b${b}`, customer: null, channel: pick(random, MARKETING_CHANNELS) };
      const at = paid - random() * 5 * DAY;
      rows.push(row(`${other.anon}-v`, 'event_view', at, other));
      if (b >= 2) rows.push(row(`${other.anon}-c`, 'add_to_cart', at + 120_000, other));
      if (b === 3) rows.push(row(`${other.anon}-k`, 'checkout_started', at + 240_000, other));
    }
  }
  let n = 0;
  for (let i = 0; i < rows.length; i += 1000) n += (await ingestTracking(tx, tenantId, rows.slice(i, i + 1000))).length;
  return n;
}
