import type { Tx } from '../connection';
import type { BillingCycle } from '../../domain/season/renewal';

/** What a renewal needs to know about a subscription: its state, its package's price and cycle, who to write to. */
export interface RenewalSubject {
  id: number;
  customer_id: number;
  package_id: number;
  status: 'active' | 'paused' | 'cancelled' | 'expired';
  auto_renew: boolean;
  cancel_at_period_end: boolean;
  renews_at: Date | null;
  ends_at: Date;
  paused_until: Date | null;
  payment_provider: 'stripe' | 'offline';
  stripe_customer_id: string | null;
  /** A renewal is charged at the package's current full price (a pro-rata first period is not repeated). */
  amount_minor: number;
  currency: string;
  billing_cycle: BillingCycle;
  package_name: string;
  customer_name: string;
  customer_email: string;
  tenant_name: string;
}

/** The subscription with its package, customer and tenant; locked (`for update` of the subscription) when asked. */
export async function renewalSubject(
  tx: Tx,
  subscriptionId: number,
  opts: { lock?: boolean } = {},
): Promise<RenewalSubject | undefined> {
  const { rows } = await tx.raw<{ rows: RenewalSubject[] }>(
    `select s.id::int, s.customer_id::int, s.package_id::int, s.status, s.auto_renew, s.cancel_at_period_end,
            s.renews_at, s.ends_at, s.paused_until, s.payment_provider, s.stripe_customer_id,
            p.price_minor as amount_minor, trim(p.currency) as currency, p.billing_cycle, p.name as package_name,
            c.name as customer_name, c.email as customer_email, t.name as tenant_name
       from season_subscriptions s
       join season_packages p on p.id = s.package_id
       join customers c on c.id = s.customer_id
       join tenants t on t.id = s.tenant_id
      where s.id = ?${opts.lock ? ' for update of s' : ''}`,
    [subscriptionId],
  );
  return rows[0];
}

export interface RenewalRow {
  id: number;
  subscription_id: number;
  renews_at: Date;
  amount_minor: number;
  currency: string;
  status: 'pending' | 'failing' | 'renewed' | 'expired' | 'cancelled';
  attempts: number;
  last_failure: string | null;
  next_retry_at: Date | null;
  grace_ends_at: Date;
  payment_id: number | null;
  reminders_sent: number[];
}

const RENEWAL_COLUMNS = `id::int, subscription_id::int, renews_at, amount_minor, trim(currency) as currency, status,
  attempts, last_failure, next_retry_at, grace_ends_at, payment_id::int, reminders_sent`;

export async function getRenewal(tx: Tx, subscriptionId: number, renewsAt: Date): Promise<RenewalRow | undefined> {
  const { rows } = await tx.raw<{ rows: RenewalRow[] }>(
    `select ${RENEWAL_COLUMNS} from season_renewals where subscription_id = ? and renews_at = ?`,
    [subscriptionId, renewsAt],
  );
  return rows[0];
}

/** The row of the period renewing at `renewsAt`, created on first use (reminder or charge), locked. */
export async function openRenewal(
  tx: Tx,
  tenantId: string,
  period: { subscriptionId: number; renewsAt: Date; amountMinor: number; currency: string; graceEndsAt: Date },
): Promise<RenewalRow> {
  // `do update` (of nothing) rather than `do nothing`: the row comes back locked whether it was new or not.
  const { rows } = await tx.raw<{ rows: RenewalRow[] }>(
    `insert into season_renewals (tenant_id, subscription_id, renews_at, amount_minor, currency, grace_ends_at)
     values (?, ?, ?, ?, ?, ?)
     on conflict (tenant_id, subscription_id, renews_at) do update set tenant_id = excluded.tenant_id
     returning ${RENEWAL_COLUMNS}`,
    [tenantId, period.subscriptionId, period.renewsAt, period.amountMinor, period.currency, period.graceEndsAt],
  );
  return rows[0];
}

/** Notes a reminder as sent; false when it already was (the activity ran before), so it is e-mailed once. */
export async function markReminderSent(tx: Tx, renewalId: number, daysBefore: number): Promise<boolean> {
  const { rowCount } = await tx.raw(
    `update season_renewals set reminders_sent = array_append(reminders_sent, ?::int), updated_at = now()
      where id = ? and not (?::int = any(reminders_sent))`,
    [daysBefore, renewalId, daysBefore],
  );
  return (rowCount ?? 0) > 0;
}

export interface AttemptRecord {
  attempt: number;
  provider: 'stripe' | 'offline';
  providerRef: string | null;
}

/**
 * Records a failed attempt (a `season_payments` row of kind 'renewal', status 'failed') and the next
 * retry; false when this attempt was already recorded.
 */
export async function recordFailedAttempt(
  tx: Tx,
  tenantId: string,
  renewal: RenewalRow,
  a: AttemptRecord & { reason: string; nextRetryAt: Date | null; recordPayment: boolean },
): Promise<boolean> {
  const { rowCount } = await tx.raw(
    `update season_renewals set status = 'failing', attempts = ?, last_failure = ?, next_retry_at = ?, updated_at = now()
      where id = ? and attempts < ? and status in ('pending', 'failing')`,
    [a.attempt, a.reason, a.nextRetryAt, renewal.id, a.attempt],
  );
  if (!rowCount) return false;
  // Offline, an attempt is a check for a manual payment: nothing was tried with money, so no ledger row.
  if (a.recordPayment)
    await tx('season_payments').insert({
      tenant_id: tenantId,
      subscription_id: renewal.subscription_id,
      kind: 'renewal',
      amount_minor: renewal.amount_minor,
      currency: renewal.currency,
      status: 'failed',
      provider: a.provider,
      provider_ref: a.providerRef,
      attempt: a.attempt,
      failure_reason: a.reason,
    });
  return true;
}

/**
 * Marks the period renewed with its payment: a new succeeded `season_payments` row (a charge) or an
 * existing one (a manual payment recorded offline). Undefined when the period was settled before.
 */
export async function recordRenewalPaid(
  tx: Tx,
  tenantId: string,
  renewal: RenewalRow,
  a: AttemptRecord & { existingPaymentId?: number },
): Promise<number | undefined> {
  // One statement: the period's row is locked (`openRenewal`), so what `open` reads is what is updated.
  const { rows } = await tx.raw<{ rows: { payment_id: number }[] }>(
    `with due as (select id, subscription_id, amount_minor, currency from season_renewals
                    where id = ? and status in ('pending', 'failing')),
          paid as (insert into season_payments (tenant_id, subscription_id, kind, amount_minor, currency, status,
                                                provider, provider_ref, attempt)
                   select ?, subscription_id, 'renewal', amount_minor, currency, 'succeeded', ?, ?, ?
                     from due where ?::bigint is null
                   returning id)
     update season_renewals r
        set status = 'renewed', attempts = greatest(r.attempts, ?), next_retry_at = null, updated_at = now(),
            payment_id = coalesce(?::bigint, (select id from paid))
       from due where r.id = due.id
     returning r.payment_id::int`,
    [
      renewal.id,
      tenantId,
      a.provider,
      a.providerRef,
      a.attempt,
      a.existingPaymentId ?? null,
      a.attempt,
      a.existingPaymentId ?? null,
    ],
  );
  return rows[0]?.payment_id;
}

/** A charge that landed after the subscription was cancelled: recorded as refunded, the period as cancelled. */
export async function recordRenewalRefunded(
  tx: Tx,
  tenantId: string,
  renewal: RenewalRow,
  a: AttemptRecord,
): Promise<void> {
  const [row] = await tx('season_payments')
    .insert({
      tenant_id: tenantId,
      subscription_id: renewal.subscription_id,
      kind: 'renewal',
      amount_minor: renewal.amount_minor,
      currency: renewal.currency,
      status: 'refunded',
      provider: a.provider,
      provider_ref: a.providerRef,
      attempt: a.attempt,
      failure_reason: 'subscription cancelled while the renewal was charged',
    })
    .returning<{ id: string }[]>('id');
  await tx('season_renewals')
    .where({ id: renewal.id })
    .update({ status: 'cancelled', payment_id: Number(row.id), attempts: a.attempt, updated_at: tx.fn.now() });
}

/** The refunded charge of a period cancelled mid-charge, so a retried activity repeats the refund. */
export async function refundedRenewalPayment(tx: Tx, renewal: RenewalRow): Promise<string | undefined> {
  if (renewal.status !== 'cancelled' || renewal.payment_id === null) return undefined;
  const row = await tx('season_payments')
    .where({ id: renewal.payment_id, status: 'refunded' })
    .first<{ provider_ref: string | null } | undefined>('provider_ref');
  return row?.provider_ref ?? undefined;
}

/** Moves the subscription on by one billing cycle after its renewal was paid. */
export async function extendSubscription(
  tx: Tx,
  subscriptionId: number,
  next: { endsAt: Date; renewsAt: Date },
): Promise<void> {
  await tx('season_subscriptions')
    .where({ id: subscriptionId })
    .update({ ends_at: next.endsAt, renews_at: next.renewsAt, updated_at: tx.fn.now() });
}

/** Expires an active or paused subscription; false when it was already cancelled or expired. */
export async function expireSubscription(tx: Tx, subscriptionId: number): Promise<boolean> {
  const { rowCount } = await tx.raw(
    `update season_subscriptions set status = 'expired', paused_until = null, updated_at = now()
      where id = ? and status in ('active', 'paused')`,
    [subscriptionId],
  );
  return (rowCount ?? 0) > 0;
}

export async function markRenewalExpired(tx: Tx, renewalId: number): Promise<void> {
  await tx('season_renewals')
    .where({ id: renewalId })
    .whereIn('status', ['pending', 'failing'])
    .update({ status: 'expired', next_retry_at: null, updated_at: tx.fn.now() });
}

/**
 * A manual payment (offline provider) that can settle this period: succeeded, of this subscription,
 * recorded since `since` (the period's first reminder) and not already settling another period.
 */
export async function unsettledManualPayment(
  tx: Tx,
  subscriptionId: number,
  opts: { since: Date; paymentId?: number },
): Promise<{ id: number; amount_minor: number } | undefined> {
  const { rows } = await tx.raw<{ rows: { id: number; amount_minor: number }[] }>(
    `select p.id::int, p.amount_minor from season_payments p
      where p.subscription_id = ? and p.provider = 'offline' and p.status = 'succeeded'
        and p.kind in ('manual', 'renewal') and p.created_at >= ?
        ${opts.paymentId === undefined ? '' : 'and p.id = ?'}
        and not exists (select 1 from season_renewals r where r.payment_id = p.id)
      order by p.id limit 1`,
    [subscriptionId, opts.since, ...(opts.paymentId === undefined ? [] : [opts.paymentId])],
  );
  return rows[0];
}

/** The renewals of a subscription, newest first (the renewal history of the API). */
export async function listRenewals(tx: Tx, subscriptionId: number): Promise<RenewalRow[]> {
  const { rows } = await tx.raw<{ rows: RenewalRow[] }>(
    `select ${RENEWAL_COLUMNS} from season_renewals where subscription_id = ? order by renews_at desc, id desc`,
    [subscriptionId],
  );
  return rows;
}
