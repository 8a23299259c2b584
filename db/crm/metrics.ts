import type { Tx } from '../connection';
import type { CustomerMetricsRow } from '../customers/metrics';
import type { ChurnRisk, LtvModel, PurchaseHistory } from '../../domain/crm/ltv';

/**
 * The CRM's customer metrics: each writer recomputes what it owns from the source rows (orders,
 * refunds, tickets and check-ins), so re-running one never double-counts, and each takes a set of
 * customers so that an event with 10,000 ticket holders is one statement, not 10,000.
 */

/**
 * Orders, net spend (paid orders less processed refunds), average order value, first and last
 * purchase and the categories of the events bought, recomputed for these customers.
 */
export async function refreshPurchaseMetrics(tx: Tx, tenantId: string, customerIds: number[]): Promise<void> {
  if (!customerIds.length) return;
  await tx.raw(
    `
    with ids as (select distinct unnest(?::bigint[]) as customer_id),
    o as (
      select o.customer_id, count(*) as n, sum(o.total_minor) as spent, min(o.currency) as currency,
        min(o.paid_at) as first_at, max(o.paid_at) as last_at,
        coalesce(array_agg(distinct e.category order by e.category) filter (where e.category is not null), '{}') as cats
      from orders o join events e on e.id = o.event_id
      where o.customer_id in (select customer_id from ids) and o.status = 'paid'
      group by o.customer_id
    ),
    r as (
      select customer_id, sum(refund_amount_minor) as refunded from refund_requests
      where customer_id in (select customer_id from ids) and status = 'processed'
      group by customer_id
    )
    insert into customer_metrics (tenant_id, customer_id, total_orders, total_spent_minor, currency,
      avg_order_value_minor, first_purchase_at, last_purchase_at, purchased_categories, updated_at)
    select ?, o.customer_id, o.n, greatest(o.spent - coalesce(r.refunded, 0), 0), o.currency,
      (greatest(o.spent - coalesce(r.refunded, 0), 0) / o.n)::int, o.first_at, o.last_at, o.cats, now()
    from o left join r using (customer_id)
    on conflict (tenant_id, customer_id) do update set
      total_orders = excluded.total_orders, total_spent_minor = excluded.total_spent_minor,
      currency = excluded.currency, avg_order_value_minor = excluded.avg_order_value_minor,
      first_purchase_at = excluded.first_purchase_at, last_purchase_at = excluded.last_purchase_at,
      purchased_categories = excluded.purchased_categories, updated_at = now()`,
    [customerIds, tenantId],
  );
}

/**
 * Attendance of every customer holding a ticket of the event that ended, in one statement: over all
 * ended events of each such customer, an event counts as attended when one of their tickets was
 * checked in, as a no-show when they held a valid ticket and none was. Returns the customers.
 */
export async function refreshAttendanceForEvent(tx: Tx, tenantId: string, eventId: number): Promise<number[]> {
  const { rows } = await tx.raw(
    `
    with holders as (select distinct customer_id from tickets where event_id = ?),
    per_event as (
      select t.customer_id, t.event_id, min(e.category) as category,
        bool_or(p.ticket_id is not null) as attended, bool_or(t.status = 'valid') as held
      from tickets t
      join events e on e.id = t.event_id and (e.status = 'ended' or e.id = ?)
      left join checkin_presence p on p.ticket_id = t.id
      where t.customer_id in (select customer_id from holders)
      group by t.customer_id, t.event_id
    ),
    agg as (
      select customer_id,
        count(*) filter (where attended) as attended,
        count(*) filter (where held and not attended) as no_shows,
        coalesce(array_agg(distinct category order by category) filter (where attended and category is not null), '{}') as cats
      from per_event group by customer_id
    )
    insert into customer_metrics (tenant_id, customer_id, events_attended, no_shows, attended_categories, updated_at)
    select ?, customer_id, attended, no_shows, cats, now() from agg
    on conflict (tenant_id, customer_id) do update set
      events_attended = excluded.events_attended, no_shows = excluded.no_shows,
      attended_categories = excluded.attended_categories, updated_at = now()
    returning customer_id`,
    [eventId, eventId, tenantId],
  );
  return (rows as { customer_id: number }[]).map((r) => Number(r.customer_id));
}

/** Counts one human open or click of a marketing e-mail (each outbox event is handled once). */
export async function recordEmailEngagement(
  tx: Tx,
  tenantId: string,
  customerId: number,
  kind: 'open' | 'click',
  at: Date,
): Promise<void> {
  const [count, last] = kind === 'open' ? ['emails_opened', 'last_opened_at'] : ['emails_clicked', 'last_clicked_at'];
  await tx.raw(
    `
    insert into customer_metrics (tenant_id, customer_id, ${count}, ${last}, updated_at)
    select ?, id, 1, ?, now() from customers where id = ?
    on conflict (tenant_id, customer_id) do update set
      ${count} = customer_metrics.${count} + 1,
      ${last} = greatest(customer_metrics.${last}, excluded.${last}), updated_at = now()`,
    [tenantId, at, customerId],
  );
}

/** The tenant's RFM quintile breakpoints (see `domain/crm/rfm.ts`): recency as ISO times, frequency, net spend. */
export interface RfmBreakpoints {
  customers: number;
  r: string[];
  f: number[];
  m: number[];
}

/** Breakpoints of all purchasing customers, in one scan; undefined when nobody has bought. */
export async function rfmBreakpoints(tx: Tx, tenantId: string): Promise<RfmBreakpoints | undefined> {
  const { rows } = await tx.raw(
    `select count(*)::int as customers,
       percentile_disc(array[0.2, 0.4, 0.6, 0.8]) within group (order by last_purchase_at) as r,
       percentile_disc(array[0.2, 0.4, 0.6, 0.8]) within group (order by total_orders) as f,
       percentile_disc(array[0.2, 0.4, 0.6, 0.8]) within group (order by total_spent_minor) as m
     from customer_metrics where tenant_id = ? and total_orders > 0`,
    [tenantId],
  );
  const row = rows[0] as { customers: number; r: Date[] | null; f: number[] | null; m: (number | string)[] | null };
  if (!row.customers || !row.r || !row.f || !row.m) return undefined;
  return {
    customers: row.customers,
    r: row.r.map((d) => new Date(d).toISOString()),
    f: row.f.map(Number),
    m: row.m.map(Number),
  };
}

/** 1 + the number of breakpoints the column is above (trusted column names only). */
const quintileOf = (column: string, breakpoints: string) =>
  `(1 + (${column} > ${breakpoints}[1])::int + (${column} > ${breakpoints}[2])::int` +
  ` + (${column} > ${breakpoints}[3])::int + (${column} > ${breakpoints}[4])::int)::smallint`;

interface HistoryRow {
  customer_id: number;
  x: number;
  tx_days: number;
  t_days: number;
  aov: number;
}

const toHistory = (r: HistoryRow): PurchaseHistory & { customerId: number } => ({
  customerId: Number(r.customer_id),
  x: Number(r.x),
  tx: Number(r.tx_days),
  T: Number(r.t_days),
  aov: Number(r.aov),
});

const HISTORY_COLUMNS = `customer_id, total_orders - 1 as x,
  extract(epoch from (last_purchase_at - first_purchase_at)) / 86400.0 as tx_days,
  extract(epoch from (?::timestamptz - first_purchase_at)) / 86400.0 as t_days,
  avg_order_value_minor as aov`;

/**
 * Purchase histories for fitting the model: every purchasing customer, or a uniform random sample
 * of `limit` of them for large tenants (a maximum-likelihood fit on 100,000 customers is as good as
 * on a million, at a tenth of the time).
 */
export async function purchaseHistorySample(
  tx: Tx,
  tenantId: string,
  now: Date,
  limit: number,
): Promise<PurchaseHistory[]> {
  const { rows } = await tx.raw(
    `select ${HISTORY_COLUMNS} from customer_metrics
     where tenant_id = ? and total_orders > 0 and first_purchase_at is not null
     order by random() limit ?`,
    [now, tenantId, limit],
  );
  return (rows as HistoryRow[]).map(toHistory);
}

/** The next chunk of purchase histories after `afterId`, in id order (keyset pagination). */
export async function purchaseHistoryChunk(
  tx: Tx,
  tenantId: string,
  now: Date,
  afterId: number,
  limit: number,
): Promise<(PurchaseHistory & { customerId: number })[]> {
  const { rows } = await tx.raw(
    `select ${HISTORY_COLUMNS} from customer_metrics
     where tenant_id = ? and total_orders > 0 and first_purchase_at is not null and customer_id > ?
     order by customer_id limit ?`,
    [now, tenantId, afterId, limit],
  );
  return (rows as HistoryRow[]).map(toHistory);
}

export interface LtvWrite {
  customerId: number;
  clvMinor: number;
  expectedPurchases: number;
  churnProbability: number;
  churnRisk: ChurnRisk;
}

/** Writes a chunk of predictions, and the chunk's RFM scores from the breakpoints, with one statement. */
export async function writeLtvChunk(tx: Tx, tenantId: string, chunk: LtvWrite[], rfm: RfmBreakpoints): Promise<void> {
  if (!chunk.length) return;
  const [r, f, m] = [
    quintileOf('m.last_purchase_at', 'b.r'),
    quintileOf('m.total_orders', 'b.f'),
    quintileOf('m.total_spent_minor', 'b.m'),
  ];
  await tx.raw(
    `
    update customer_metrics m set lifetime_value_minor = v.clv, predicted_purchases_365d = v.purchases,
      churn_probability = v.churn, churn_risk = v.risk,
      r_score = ${r}, f_score = ${f}, m_score = ${m}, rfm_score = ${r} * 100 + ${f} * 10 + ${m}, updated_at = now()
    from unnest(?::bigint[], ?::bigint[], ?::real[], ?::real[], ?::text[]) as v(customer_id, clv, purchases, churn, risk),
      (select ?::timestamptz[] as r, ?::int[] as f, ?::bigint[] as m) b
    where m.tenant_id = ? and m.customer_id = v.customer_id`,
    [
      chunk.map((c) => c.customerId),
      chunk.map((c) => c.clvMinor),
      chunk.map((c) => c.expectedPurchases),
      chunk.map((c) => c.churnProbability),
      chunk.map((c) => c.churnRisk),
      rfm.r,
      rfm.f,
      rfm.m,
      tenantId,
    ],
  );
}

export interface LtvModelRow {
  tenant_id: string;
  method: 'bgnbd_gg' | 'fallback';
  r: number | null;
  alpha: number | null;
  a: number | null;
  b: number | null;
  p: number | null;
  q: number | null;
  gamma: number | null;
  customers: number;
  repeat_customers: number;
  log_likelihood: number | null;
  horizon_days: number;
  details: Record<string, unknown>;
  fitted_at: Date;
}

/** Stores the tenant's fitted model (one per tenant, replaced by each refresh). */
export async function saveLtvModel(tx: Tx, tenantId: string, model: LtvModel, horizonDays: number): Promise<void> {
  const fitted =
    model.method === 'bgnbd_gg'
      ? { ...model.bgnbd, ...model.gg, log_likelihood: model.logLikelihood, details: {} }
      : {
          r: null,
          alpha: null,
          a: null,
          b: null,
          p: null,
          q: null,
          gamma: null,
          log_likelihood: null,
          details: { median_gap_days: model.medianGapDays, reason: model.reason },
        };
  const row = {
    tenant_id: tenantId,
    method: model.method,
    ...fitted,
    details: JSON.stringify(fitted.details),
    customers: model.customers,
    repeat_customers: model.repeatCustomers,
    horizon_days: horizonDays,
    fitted_at: tx.fn.now(),
  };
  await tx('crm_ltv_models').insert(row).onConflict('tenant_id').merge();
}

/** The stored model as the refresh uses it, to score customers chunk by chunk. */
export function ltvModelOf(row: LtvModelRow): LtvModel {
  if (row.method === 'bgnbd_gg')
    return {
      method: 'bgnbd_gg',
      bgnbd: { r: Number(row.r), alpha: Number(row.alpha), a: Number(row.a), b: Number(row.b) },
      gg: { p: Number(row.p), q: Number(row.q), gamma: Number(row.gamma) },
      customers: row.customers,
      repeatCustomers: row.repeat_customers,
      logLikelihood: Number(row.log_likelihood),
    };
  return {
    method: 'fallback',
    medianGapDays: Number(row.details.median_gap_days),
    customers: row.customers,
    repeatCustomers: row.repeat_customers,
    reason: String(row.details.reason ?? ''),
  };
}

export async function getLtvModel(tx: Tx): Promise<LtvModelRow | undefined> {
  return tx<LtvModelRow>('crm_ltv_models').first();
}

export interface MetricsRefreshRow {
  id: number;
  tenant_id: string;
  status: 'running' | 'completed' | 'failed';
  workflow_id: string;
  horizon_days: number;
  customers: number | null;
  error: string | null;
  started_at: Date;
  completed_at: Date | null;
}

/** Starts a refresh run, or answers the one already running (one per tenant at a time). */
export async function startMetricsRefresh(
  tx: Tx,
  tenantId: string,
  horizonDays: number,
  workflowIdOf: (runId: number) => string,
): Promise<{ run: MetricsRefreshRow; created: boolean }> {
  const running = await tx<MetricsRefreshRow>('crm_metrics_refreshes').where({ status: 'running' }).first();
  if (running) return { run: running, created: false };
  const { rows } = await tx.raw(
    `insert into crm_metrics_refreshes (tenant_id, status, workflow_id, horizon_days)
     values (?, 'running', '', ?) on conflict do nothing returning *`,
    [tenantId, horizonDays],
  );
  const inserted = rows[0] as MetricsRefreshRow | undefined;
  if (!inserted) {
    const other = await tx<MetricsRefreshRow>('crm_metrics_refreshes').where({ status: 'running' }).first();
    return { run: other as MetricsRefreshRow, created: false };
  }
  const [run] = await tx('crm_metrics_refreshes')
    .where({ id: inserted.id })
    .update({ workflow_id: workflowIdOf(inserted.id) })
    .returning('*');
  return { run: run as MetricsRefreshRow, created: true };
}

export async function finishMetricsRefresh(
  tx: Tx,
  runId: number,
  outcome: { status: 'completed' | 'failed'; customers?: number; error?: string },
): Promise<MetricsRefreshRow | undefined> {
  const [run] = await tx('crm_metrics_refreshes')
    .where({ id: runId, status: 'running' })
    .update({
      status: outcome.status,
      customers: outcome.customers ?? null,
      error: outcome.error ?? null,
      completed_at: tx.fn.now(),
    })
    .returning('*');
  return run as MetricsRefreshRow | undefined;
}

export async function getMetricsRefresh(tx: Tx, runId: number): Promise<MetricsRefreshRow | undefined> {
  return tx<MetricsRefreshRow>('crm_metrics_refreshes').where({ id: runId }).first();
}

export async function lastMetricsRefresh(tx: Tx): Promise<MetricsRefreshRow | undefined> {
  return tx<MetricsRefreshRow>('crm_metrics_refreshes').orderBy('id', 'desc').first();
}

export type { CustomerMetricsRow };
