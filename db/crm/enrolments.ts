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
