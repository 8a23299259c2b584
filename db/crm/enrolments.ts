import type { Knex } from 'knex';
import type { Tx } from '../connection';
import { emit } from '../platform/outbox';
import type { AutomationRow } from './automations';

export type EnrolmentStatus = 'running' | 'paused' | 'completed' | 'exited';

export interface EnrolmentRow {
  id: number;
  tenant_id: string;
  automation_id: number;
  version: number;
  customer_id: number;
  holdout: boolean;
  status: EnrolmentStatus;
  exit_reason: string | null;
  exit_requested: string | null;
  current_step: number;
  workflow_id: string;
  source_event_id: number | null;
  enrolled_at: Date;
  ended_at: Date | null;
  converted_at: Date | null;
  revenue_minor: number;
  currency: string | null;
}

export interface NewEnrolment {
  id: number;
  customer_id: number;
  holdout: boolean;
  workflow_id: string;
}

/**
 * Enrols the customers a query selects (a `customer_id` column) in one statement: erased customers
 * are left out, a customer already in a running or paused enrolment is skipped (the partial unique
 * index decides under concurrency), and without `reentry` so is one who ever was enrolled. Holdout
 * is a stable hash of (automation, customer) into 10,000 buckets against the percentage. Emits
 * `crm.automation_enrolled` for each new enrolment. The caller starts their workflows after commit.
 */
export async function enrolFrom(
  tx: Tx,
  tenantId: string,
  automation: AutomationRow,
  candidates: { sql: string; bindings: Knex.RawBinding[] },
  opts: { sourceEventId?: number } = {},
): Promise<NewEnrolment[]> {
  const reentry = (automation.trigger_config as { reentry?: boolean }).reentry === true;
  const { rows } = await tx.raw<{ rows: NewEnrolment[] }>(
    `with candidates as (${candidates.sql})
     insert into automation_enrolments (tenant_id, automation_id, version, customer_id, holdout, source_event_id)
     select ?, ?::bigint, ?::int, c.id,
            ?::numeric >= 100 or (abs(hashtextextended(?::text || ':' || c.id, 0)) % 10000) < ?::numeric * 100,
            ?::bigint
       from customers c
      where c.id in (select customer_id from candidates)
        and c.erased_at is null
        and not exists (
          select 1 from automation_enrolments e
           where e.automation_id = ?::bigint and e.customer_id = c.id
             and (e.status in ('running', 'paused') or not ?::boolean))
     on conflict (automation_id, customer_id) where status in ('running', 'paused') do nothing
     returning id, customer_id, holdout, workflow_id`,
    [
      ...candidates.bindings,
      tenantId,
      automation.id,
      automation.version,
      automation.holdout_pct,
      String(automation.id),
      automation.holdout_pct,
      opts.sourceEventId ?? null,
      automation.id,
      reentry,
    ],
  );
  await emit(
    tx,
    tenantId,
    rows.map((r) => ({
      type: 'crm.automation_enrolled' as const,
      aggregateType: 'automation_enrolment',
      aggregateId: r.id,
      payload: { automation_id: automation.id, enrolment_id: r.id, customer_id: r.customer_id, holdout: r.holdout },
    })),
  );
  return rows;
}

/** Candidates: these customers. */
export const customersById = (ids: number[]): { sql: string; bindings: Knex.RawBinding[] } => ({
  sql: 'select unnest(?::bigint[]) as customer_id',
  bindings: [ids],
});

/** Candidates: the customers holding a paid order for an event (post-event automations). */
export const attendeesOf = (eventId: number): { sql: string; bindings: Knex.RawBinding[] } => ({
  sql: "select distinct customer_id from orders where event_id = ? and status = 'paid'",
  bindings: [eventId],
});

/** Candidates of a schedule run on `day` (UTC): birthdays, first-purchase anniversaries, or everyone. */
export function scheduledCandidates(
  kind: 'birthday' | 'anniversary' | 'every',
  day: Date,
): { sql: string; bindings: Knex.RawBinding[] } {
  const m = day.getUTCMonth() + 1;
  const d = day.getUTCDate();
  if (kind === 'birthday')
    return {
      sql: 'select id as customer_id from customers where extract(month from birthday) = ? and extract(day from birthday) = ?',
      bindings: [m, d],
    };
  if (kind === 'anniversary')
    return {
      sql: `select customer_id from (
              select customer_id, min(paid_at) as first_at from orders where status = 'paid' group by customer_id
            ) f
            where extract(month from first_at at time zone 'UTC') = ? and extract(day from first_at at time zone 'UTC') = ?
              and first_at < ?::timestamptz - interval '300 days'`,
      bindings: [m, d, day.toISOString()],
    };
  return { sql: 'select id as customer_id from customers', bindings: [] };
}

/** Enrolments an outbox event created, for its trigger's after-commit part to start. */
export async function enrolmentsOfEvent(tx: Tx, sourceEventId: number): Promise<NewEnrolment[]> {
  return (await tx('automation_enrolments')
    .where({ source_event_id: sourceEventId })
    .whereIn('status', ['running', 'paused'])
    .select('id', 'customer_id', 'holdout', 'workflow_id')) as NewEnrolment[];
}

export async function getEnrolment(tx: Tx, id: number): Promise<EnrolmentRow | undefined> {
  return tx<EnrolmentRow>('automation_enrolments').where({ id }).first();
}

export async function listEnrolments(
  tx: Tx,
  automationId: number,
  opts: { limit: number; after?: number },
): Promise<EnrolmentRow[]> {
  return tx<EnrolmentRow>('automation_enrolments')
    .where({ automation_id: automationId })
    .where('id', '>', opts.after ?? 0)
    .orderBy('id')
    .limit(opts.limit);
}

export type StepGate =
  { action: 'run' } | { action: 'paused' } | { action: 'exit'; reason: string } | { action: 'ended' };

/**
 * Decides whether an enrolment may run its next step, and records that it reached it: it exits
 * when the customer was erased, withdrew consent or unsubscribed (recorded by a trigger or seen on
 * the customer row), and holds while its automation is paused.
 */
export async function gateStep(tx: Tx, enrolmentId: number, step: number): Promise<StepGate> {
  const row = (await tx('automation_enrolments as e')
    .join('automation_workflows as a', 'a.id', 'e.automation_id')
    .join('customers as c', 'c.id', 'e.customer_id')
    .where('e.id', enrolmentId)
    .first(
      'e.status',
      'e.exit_requested',
      'a.status as automation_status',
      'c.marketing_consent',
      'c.erased_at',
      tx.raw(
        "exists (select 1 from email_suppressions s where s.email = lower(c.email) and s.reason = 'unsubscribe') as unsubscribed",
      ),
    )) as
    | {
        status: EnrolmentStatus;
        exit_requested: string | null;
        automation_status: string;
        marketing_consent: boolean;
        erased_at: Date | null;
        unsubscribed: boolean;
      }
    | undefined;
  if (!row) return { action: 'exit', reason: 'deleted' };
  if (row.status === 'completed' || row.status === 'exited') return { action: 'ended' };
  const reason = row.erased_at
    ? 'erased'
    : row.exit_requested
      ? row.exit_requested
      : row.unsubscribed
        ? 'unsubscribed'
        : row.marketing_consent
          ? undefined
          : 'no_consent';
  if (reason) return { action: 'exit', reason };
  const paused = row.automation_status !== 'active';
  await tx('automation_enrolments')
    .where({ id: enrolmentId })
    .update({ current_step: step, status: paused ? 'paused' : 'running' });
  return paused ? { action: 'paused' } : { action: 'run' };
}

/** Ends an enrolment (once) and emits `crm.automation_exited` with the reason. */
export async function endEnrolment(
  tx: Tx,
  tenantId: string,
  enrolmentId: number,
  outcome: { status: 'completed' | 'exited'; reason: string },
): Promise<boolean> {
  const [row] = await tx<EnrolmentRow>('automation_enrolments')
    .where({ id: enrolmentId })
    .whereIn('status', ['running', 'paused'])
    .update({ status: outcome.status, exit_reason: outcome.reason, ended_at: tx.fn.now() as unknown as Date })
    .returning(['id', 'automation_id', 'customer_id']);
  if (!row) return false;
  await emit(tx, tenantId, {
    type: 'crm.automation_exited',
    aggregateType: 'automation_enrolment',
    aggregateId: row.id,
    payload: {
      automation_id: row.automation_id,
      enrolment_id: row.id,
      customer_id: row.customer_id,
      reason: outcome.reason,
    },
  });
  return true;
}

/** Marks a customer's active enrolments to exit at their next step; returns their workflow ids. */
export async function requestCustomerExit(tx: Tx, customerId: number, reason: string): Promise<string[]> {
  const rows = await tx('automation_enrolments')
    .where({ customer_id: customerId })
    .whereIn('status', ['running', 'paused'])
    .whereNull('exit_requested')
    .update({ exit_requested: reason })
    .returning('workflow_id');
  return rows.map((r: { workflow_id: string }) => r.workflow_id);
}

/** The workflow ids of an automation's active enrolments, for pause/resume signals. */
export async function activeEnrolmentWorkflows(tx: Tx, automationId: number): Promise<string[]> {
  return tx('automation_enrolments')
    .where({ automation_id: automationId })
    .whereIn('status', ['running', 'paused'])
    .pluck('workflow_id');
}

/** Whether the customer paid for an order after a time. */
export async function purchasedSince(tx: Tx, customerId: number, since: Date): Promise<boolean> {
  const row = await tx('orders')
    .where({ customer_id: customerId, status: 'paid' })
    .where('paid_at', '>', since)
    .first(tx.raw('1 as hit'));
  return Boolean(row);
}

/** How long after an enrolment ends a purchase still counts as its conversion. */
export const CONVERSION_WINDOW_DAYS = 30;

/**
 * A paid order converts the customer's enrolments that were active when it was paid, or ended
 * within the conversion window: the first order sets `converted_at`, every one adds revenue.
 */
export async function recordConversion(
  tx: Tx,
  customerId: number,
  order: { totalMinor: number; currency: string },
): Promise<number> {
  return tx('automation_enrolments')
    .where({ customer_id: customerId })
    .where((q) =>
      q
        .whereIn('status', ['running', 'paused'])
        .orWhere('ended_at', '>', tx.raw(`now() - interval '${CONVERSION_WINDOW_DAYS} days'`)),
    )
    .where('enrolled_at', '<', tx.fn.now())
    .update({
      converted_at: tx.raw('coalesce(converted_at, now())'),
      revenue_minor: tx.raw('revenue_minor + ?', [order.totalMinor]),
      currency: tx.raw('coalesce(currency, ?)', [order.currency]),
    });
}

export interface AutomationReport {
  enrolled: number;
  held_out: number;
  treated: number;
  running: number;
  completed: number;
  exited: number;
  sent: number;
  delivered: number;
  suppressed: number;
  unique_clicks: number;
  conversions: { treated: number; holdout: number };
  revenue_minor: { treated: number; holdout: number };
  conversion_rate: { treated: number | null; holdout: number | null };
  incremental_conversions: number | null;
  incremental_revenue_minor: number | null;
  window_days: number;
}

/**
 * The automation's figures: enrolments by group, messages and unique clickers, conversions (a paid
 * order between enrolment and `windowDays` after it) and revenue per group, and the lift of the
 * treated group over the holdout scaled to the treated group's size.
 */
export async function automationReport(tx: Tx, automationId: number, windowDays: number): Promise<AutomationReport> {
  const {
    rows: [e],
  } = await tx.raw<{
    rows: {
      enrolled: number;
      held_out: number;
      running: number;
      completed: number;
      exited: number;
      conv_t: number;
      conv_h: number;
      rev_t: number;
      rev_h: number;
    }[];
  }>(
    `with conv as (
       select e.id, e.holdout, e.status,
              (select coalesce(sum(o.total_minor), 0) from orders o
                where o.customer_id = e.customer_id and o.status = 'paid'
                  and o.paid_at > e.enrolled_at and o.paid_at <= e.enrolled_at + make_interval(days => ?)) as revenue,
              exists (select 1 from orders o
                where o.customer_id = e.customer_id and o.status = 'paid'
                  and o.paid_at > e.enrolled_at and o.paid_at <= e.enrolled_at + make_interval(days => ?)) as converted
         from automation_enrolments e where e.automation_id = ?
     )
     select count(*)::int as enrolled,
            count(*) filter (where holdout)::int as held_out,
            count(*) filter (where status in ('running', 'paused'))::int as running,
            count(*) filter (where status = 'completed')::int as completed,
            count(*) filter (where status = 'exited')::int as exited,
            count(*) filter (where converted and not holdout)::int as conv_t,
            count(*) filter (where converted and holdout)::int as conv_h,
            coalesce(sum(revenue) filter (where not holdout), 0)::bigint as rev_t,
            coalesce(sum(revenue) filter (where holdout), 0)::bigint as rev_h
       from conv`,
    [windowDays, windowDays, automationId],
  );
  const {
    rows: [m],
  } = await tx.raw<{
    rows: { sent: number; delivered: number; suppressed: number; unique_clicks: number }[];
  }>(
    `select count(*) filter (where status in ('queued', 'sending', 'sent', 'failed'))::int as sent,
            count(*) filter (where status = 'sent')::int as delivered,
            count(*) filter (where status = 'suppressed')::int as suppressed,
            (select count(distinct ev.customer_id) from email_events ev
               join crm_messages mm on mm.id = ev.message_id
              where mm.automation_id = ? and ev.kind = 'click')::int as unique_clicks
       from crm_messages where automation_id = ?`,
    [automationId, automationId],
  );
  const treated = e.enrolled - e.held_out;
  const rate = (n: number, d: number): number | null => (d > 0 ? n / d : null);
  const rateT = rate(e.conv_t, treated);
  const rateH = rate(e.conv_h, e.held_out);
  const revPerH = e.held_out > 0 ? Number(e.rev_h) / e.held_out : null;
  return {
    enrolled: e.enrolled,
    held_out: e.held_out,
    treated,
    running: e.running,
    completed: e.completed,
    exited: e.exited,
    sent: m.sent,
    delivered: m.delivered,
    suppressed: m.suppressed,
    unique_clicks: m.unique_clicks,
    conversions: { treated: e.conv_t, holdout: e.conv_h },
    revenue_minor: { treated: Number(e.rev_t), holdout: Number(e.rev_h) },
    conversion_rate: { treated: rateT, holdout: rateH },
    incremental_conversions:
      rateT !== null && rateH !== null ? Math.round((rateT - rateH) * treated * 100) / 100 : null,
    incremental_revenue_minor: revPerH !== null && treated > 0 ? Math.round(Number(e.rev_t) - revPerH * treated) : null,
    window_days: windowDays,
  };
}

/** Adds a tag to the customer (once) and emits `crm.customer_tagged`; false when they had it. No automation: another module's rule. */
export async function tagCustomer(
  tx: Tx,
  tenantId: string,
  customerId: number,
  tag: string,
  automationId: number | null,
): Promise<boolean> {
  const updated = await tx('customers')
    .where({ id: customerId })
    .whereRaw('not (? = any(tags))', [tag])
    .update({ tags: tx.raw('array_append(tags, ?)', [tag]), updated_at: tx.fn.now() });
  if (!updated) return false;
  await emit(tx, tenantId, {
    type: 'crm.customer_tagged',
    aggregateType: 'customer',
    aggregateId: customerId,
    payload: { customer_id: customerId, tag, automation_id: automationId },
  });
  return true;
}

/** Who the customer is, for the webhook step's payload. */
export async function enrolmentCustomer(
  tx: Tx,
  customerId: number,
): Promise<{ id: number; email: string; name: string } | undefined> {
  return tx('customers').where({ id: customerId }).first('id', 'email', 'name');
}

/** The workflow ids of a customer's active enrolments. */
export async function customerEnrolmentWorkflows(tx: Tx, customerId: number): Promise<string[]> {
  return tx('automation_enrolments')
    .where({ customer_id: customerId })
    .whereIn('status', ['running', 'paused'])
    .pluck('workflow_id');
}

/** Candidates: the customer of an order. */
export async function orderCustomer(tx: Tx, orderId: number): Promise<number | undefined> {
  const row = (await tx('orders').where({ id: orderId }).first('customer_id')) as { customer_id: number } | undefined;
  return row?.customer_id;
}

/**
 * Candidates: customers whose last paid order is older than `before` (lapsed already) and who were
 * not enrolled in the automation since that order (a resumed win-back does not start over).
 */
export const lapsedBefore = (before: Date, automationId: number): { sql: string; bindings: Knex.RawBinding[] } => ({
  sql: `select l.customer_id from (
          select customer_id, max(paid_at) as last_paid_at from orders where status = 'paid' group by customer_id
        ) l
        where l.last_paid_at < ?::timestamptz
          and not exists (select 1 from automation_enrolments e
                           where e.automation_id = ? and e.customer_id = l.customer_id and e.enrolled_at > l.last_paid_at)`,
  bindings: [before.toISOString(), automationId],
});

/** Customers whose last paid order is at or after `since`, with its time: their lapse is still running. */
export async function lastPurchasesSince(tx: Tx, since: Date): Promise<{ customer_id: number; last_paid_at: Date }[]> {
  return (await tx('orders')
    .where({ status: 'paid' })
    .groupBy('customer_id')
    .havingRaw('max(paid_at) >= ?::timestamptz', [since.toISOString()])
    .select('customer_id', tx.raw('max(paid_at) as last_paid_at'))) as { customer_id: number; last_paid_at: Date }[];
}
