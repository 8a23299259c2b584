import { withTenant, type Tx } from '../../db/connection';
import { queueEmail } from '../../db/platform/mail';
import { getModule } from '../../db/platform/modules';
import { emit } from '../../db/platform/outbox';
import { releaseSubscriptionSeats } from '../../db/season/allocations';
import {
  expireSubscription,
  extendSubscription,
  getRenewal,
  markReminderSent,
  markRenewalExpired,
  openRenewal,
  recordFailedAttempt,
  recordRenewalPaid,
  recordRenewalRefunded,
  refundedRenewalPayment,
  renewalSubject,
  unsettledManualPayment,
  type RenewalRow,
  type RenewalSubject,
} from '../../db/season/renewals';
import {
  dueReminders,
  followingSchedule,
  nextPeriod,
  nextRetryAt,
  renewalChargeKey,
  renewalSchedule,
  type RenewalSchedule,
} from '../../domain/season/renewal';
import { seasonSettingsOf } from '../../domain/season/settings';
import type { WorkerDeps } from '../deps';
import { createRenewalCharger } from './renewal-charge';
import { renewalEmail } from './renewal-mail';

export interface RenewalRef {
  tenantId: string;
  subscriptionId: number;
}

/** What the workflow does next with the subscription as it stands. */
export type RenewalPlan =
  | { action: 'end'; status: 'cancelled' | 'expired' }
  | { action: 'paused'; pausedUntil: string | null }
  /** Not renewing (no auto-renew, cancelled at period end, one-time): it expires at the end of its period. */
  | { action: 'lapse'; endsAt: string }
  | {
      action: 'renew';
      schedule: RenewalSchedule;
      /** Reminders still to send, in order. */
      reminders: RenewalSchedule['reminders'];
      /** Attempts already made for this period, and when the next is due when one failed. */
      attempts: number;
      nextRetryAt: string | null;
    };

export type ChargeOutcome =
  /** `next`: the plan of the period that follows, read in the same transaction (none when it ends here). */
  | { outcome: 'renewed'; renewsAt: string | null; next?: RenewalPlan }
  | { outcome: 'failed'; reason: string; nextRetryAt: string | null; graceEndsAt: string }
  /** The subscription changed under the charge (cancelled, paused, another renewal date): plan again. */
  | { outcome: 'stale' };

type RenewingSubject = RenewalSubject & { renews_at: Date };

/** Whether the subscription renews at the end of its period (and so is charged). */
const renewing = (s: RenewalSubject | undefined): s is RenewingSubject =>
  !!s &&
  s.status === 'active' &&
  s.auto_renew &&
  !s.cancel_at_period_end &&
  s.renews_at !== null &&
  s.billing_cycle !== 'one-time';

/** Still renewing, and still at the period the caller is handling. */
const dueAt = (s: RenewalSubject | undefined, renewsAt: string): s is RenewingSubject =>
  renewing(s) && s.renews_at.toISOString() === renewsAt;

async function scheduleOf(tx: Tx, s: RenewingSubject): Promise<RenewalSchedule> {
  return renewalSchedule(s.renews_at, seasonSettingsOf((await getModule(tx, 'season'))?.settings));
}

const openPeriod = (tx: Tx, tenantId: string, s: RenewingSubject, schedule: RenewalSchedule): Promise<RenewalRow> =>
  openRenewal(tx, tenantId, {
    subscriptionId: s.id,
    renewsAt: s.renews_at,
    amountMinor: s.amount_minor,
    currency: s.currency,
    graceEndsAt: new Date(schedule.graceEndsAt),
  });

/** The plan of a renewing period, from what its row (if any) records. */
const renewPlan = (schedule: RenewalSchedule, row: RenewalRow | undefined): RenewalPlan => ({
  action: 'renew',
  schedule,
  reminders: dueReminders(schedule, row?.reminders_sent ?? [], new Date()),
  attempts: row?.attempts ?? 0,
  nextRetryAt: row?.next_retry_at?.toISOString() ?? null,
});

/** A manual payment counts for a period from its first reminder on (paid early after the reminder). */
const manualSince = (schedule: RenewalSchedule): Date => new Date(schedule.reminders[0]?.at ?? schedule.renewsAt);

/** Books the period as paid, moves the subscription on one billing cycle and announces it. */
async function settlePaid(
  tx: Tx,
  tenantId: string,
  s: RenewingSubject,
  row: RenewalRow,
  schedule: RenewalSchedule,
  paid: { attempt: number; provider: 'stripe' | 'offline'; providerRef: string | null; existingPaymentId?: number },
): Promise<ChargeOutcome> {
  const paymentId = await recordRenewalPaid(tx, tenantId, row, paid);
  const next = nextPeriod({ endsAt: s.ends_at, renewsAt: s.renews_at }, s.billing_cycle);
  if (paymentId === undefined || !next) return { outcome: 'renewed', renewsAt: s.renews_at.toISOString() };
  await extendSubscription(tx, s.id, next);
  await emit(tx, tenantId, {
    type: 'season.renewed',
    aggregateType: 'season_subscription',
    aggregateId: s.id,
    payload: {
      subscription_id: s.id,
      customer_id: s.customer_id,
      payment_id: paymentId,
      amount_minor: row.amount_minor,
      currency: row.currency,
      provider: paid.provider,
      attempt: paid.attempt,
      ends_at: next.endsAt.toISOString(),
      renews_at: next.renewsAt.toISOString(),
    },
  });
  return {
    outcome: 'renewed',
    renewsAt: next.renewsAt.toISOString(),
    next: renewPlan(followingSchedule(schedule, next.renewsAt), undefined),
  };
}

/** Records a failed attempt, e-mails the subscriber (dunning) and announces it, once per attempt. */
async function settleFailed(
  tx: Tx,
  tenantId: string,
  s: RenewingSubject,
  row: RenewalRow,
  schedule: RenewalSchedule,
  failed: { attempt: number; provider: 'stripe' | 'offline'; providerRef: string | null; reason: string },
): Promise<ChargeOutcome> {
  const next = nextRetryAt(schedule, failed.attempt);
  const recorded = await recordFailedAttempt(tx, tenantId, row, {
    ...failed,
    nextRetryAt: next ? new Date(next) : null,
    recordPayment: failed.provider === 'stripe',
  });
  if (recorded) {
    const key = `season-renewal-dunning-${s.id}-${schedule.renewsAt}-${failed.attempt}`;
    const facts = {
      renewsAt: schedule.renewsAt,
      failure: failed.reason,
      nextRetryAt: next,
      graceEndsAt: schedule.graceEndsAt,
    };
    await queueEmail(tx, tenantId, await renewalEmail('dunning', s, facts, key));
    await emit(tx, tenantId, {
      type: 'season.renewal_failed',
      aggregateType: 'season_subscription',
      aggregateId: s.id,
      payload: {
        subscription_id: s.id,
        customer_id: s.customer_id,
        attempt: failed.attempt,
        amount_minor: row.amount_minor,
        currency: row.currency,
        failure_reason: failed.reason,
        next_retry_at: next,
        grace_ends_at: schedule.graceEndsAt,
      },
    });
  }
  return { outcome: 'failed', reason: failed.reason, nextRetryAt: next, graceEndsAt: schedule.graceEndsAt };
}

/** The outcome a previous run of this attempt recorded. */
const recordedFailure = (row: RenewalRow): ChargeOutcome => ({
  outcome: 'failed',
  reason: row.last_failure ?? 'failed',
  nextRetryAt: row.next_retry_at?.toISOString() ?? null,
  graceEndsAt: row.grace_ends_at.toISOString(),
});

type Prepared =
  | { kind: 'done'; outcome: ChargeOutcome }
  | { kind: 'refund'; reference: string }
  | { kind: 'charge'; s: RenewingSubject; schedule: RenewalSchedule };

export function createRenewalSteps({ db, config }: WorkerDeps) {
  const charger = createRenewalCharger(config);

  return {
    async seasonRenewalPlan(ref: RenewalRef): Promise<RenewalPlan> {
      return withTenant(db, ref.tenantId, async (tx) => {
        const s = await renewalSubject(tx, ref.subscriptionId);
        if (!s || s.status === 'cancelled') return { action: 'end', status: 'cancelled' };
        if (s.status === 'expired') return { action: 'end', status: 'expired' };
        if (s.status === 'paused') return { action: 'paused', pausedUntil: s.paused_until?.toISOString() ?? null };
        if (!renewing(s)) return { action: 'lapse', endsAt: s.ends_at.toISOString() };
        return renewPlan(await scheduleOf(tx, s), await getRenewal(tx, s.id, s.renews_at));
      });
    },

    /** E-mails one reminder (amount and date) and announces it; `stale` when the period no longer renews. */
    async seasonRenewalRemind(
      input: RenewalRef & { renewsAt: string; daysBefore: number },
    ): Promise<{ sent: boolean; stale: boolean }> {
      return withTenant(db, input.tenantId, async (tx) => {
        const s = await renewalSubject(tx, input.subscriptionId);
        if (!dueAt(s, input.renewsAt)) return { sent: false, stale: true };
        const row = await openPeriod(tx, input.tenantId, s, await scheduleOf(tx, s));
        if (!(await markReminderSent(tx, row.id, input.daysBefore))) return { sent: false, stale: false };
        const key = `season-renewal-reminder-${s.id}-${input.renewsAt}-${input.daysBefore}`;
        const facts = { renewsAt: input.renewsAt, daysBefore: input.daysBefore };
        await queueEmail(tx, input.tenantId, await renewalEmail('reminder', s, facts, key));
        await emit(tx, input.tenantId, {
          type: 'season.renewal_reminder_sent',
          aggregateType: 'season_subscription',
          aggregateId: s.id,
          payload: {
            subscription_id: s.id,
            customer_id: s.customer_id,
            renews_at: input.renewsAt,
            days_before: input.daysBefore,
            amount_minor: row.amount_minor,
            currency: row.currency,
          },
        });
        return { sent: true, stale: false };
      });
    },

    /**
     * One renewal attempt. Stripe: the saved card is charged off-session, outside any transaction,
     * under a key stable per period and attempt; a charge that lands after the subscription was
     * cancelled is refunded (the saga's compensation). Offline: the attempt is a check for a manual
     * payment recorded since the first reminder, and a dunning e-mail asking for it when there is none.
     */
    async seasonRenewalCharge(input: RenewalRef & { renewsAt: string; attempt: number }): Promise<ChargeOutcome> {
      const key = renewalChargeKey(input.tenantId, input.subscriptionId, input.renewsAt, input.attempt);
      const prepared = await withTenant(db, input.tenantId, async (tx): Promise<Prepared> => {
        const s = await renewalSubject(tx, input.subscriptionId, { lock: true });
        const existing = await getRenewal(tx, input.subscriptionId, new Date(input.renewsAt));
        if (existing?.status === 'renewed')
          return { kind: 'done', outcome: { outcome: 'renewed', renewsAt: s?.renews_at?.toISOString() ?? null } };
        const refund = existing && (await refundedRenewalPayment(tx, existing));
        if (refund) return { kind: 'refund', reference: refund };
        if (!dueAt(s, input.renewsAt)) return { kind: 'done', outcome: { outcome: 'stale' } };
        const schedule = await scheduleOf(tx, s);
        const row = await openPeriod(tx, input.tenantId, s, schedule);
        if (row.attempts >= input.attempt) return { kind: 'done', outcome: recordedFailure(row) };
        const failed = { attempt: input.attempt, provider: s.payment_provider, providerRef: null };
        if (s.payment_provider === 'offline') {
          const paid = await unsettledManualPayment(tx, s.id, { since: manualSince(schedule) });
          if (paid)
            return {
              kind: 'done',
              outcome: await settlePaid(tx, input.tenantId, s, row, schedule, {
                ...failed,
                existingPaymentId: paid.id,
              }),
            };
          return {
            kind: 'done',
            outcome: await settleFailed(tx, input.tenantId, s, row, schedule, {
              ...failed,
              reason: 'awaiting_manual_payment',
            }),
          };
        }
        if (!s.stripe_customer_id)
          return {
            kind: 'done',
            outcome: await settleFailed(tx, input.tenantId, s, row, schedule, {
              ...failed,
              reason: 'no_saved_card: no Stripe customer is on file',
            }),
          };
        return { kind: 'charge', s, schedule };
      });
      if (prepared.kind === 'refund') {
        await charger.refund(prepared.reference, `${key}/refund`);
        return { outcome: 'stale' };
      }
      if (prepared.kind === 'done') return prepared.outcome;

      const { s: before, schedule } = prepared;
      const result = await charger.charge({
        customer: before.stripe_customer_id as string,
        amountMinor: before.amount_minor,
        currency: before.currency,
        idempotencyKey: key,
        description: `Renewal of ${before.package_name}`,
        metadata: {
          tenant_id: input.tenantId,
          season_subscription_id: String(input.subscriptionId),
          renews_at: input.renewsAt,
          attempt: String(input.attempt),
        },
      });
      const settled = await withTenant(db, input.tenantId, async (tx): Promise<ChargeOutcome | { refund: string }> => {
        const s = await renewalSubject(tx, input.subscriptionId, { lock: true });
        const attempt = { attempt: input.attempt, provider: 'stripe' as const, providerRef: result.reference };
        if (!dueAt(s, input.renewsAt)) {
          const row = await getRenewal(tx, input.subscriptionId, new Date(input.renewsAt));
          if (!result.ok || !row || (row.status !== 'pending' && row.status !== 'failing')) return { outcome: 'stale' };
          await recordRenewalRefunded(tx, input.tenantId, row, attempt);
          return { refund: result.reference };
        }
        const row = await openPeriod(tx, input.tenantId, s, schedule);
        if (result.ok) return settlePaid(tx, input.tenantId, s, row, schedule, attempt);
        return settleFailed(tx, input.tenantId, s, row, schedule, { ...attempt, reason: result.reason });
      });
      if ('refund' in settled) {
        await charger.refund(settled.refund, `${key}/refund`);
        return { outcome: 'stale' };
      }
      return settled;
    },

    /** Settles the period with a manual payment recorded offline (signalled by the payment trigger). */
    async seasonRenewalSettleManual(
      input: RenewalRef & { renewsAt: string; paymentId: number },
    ): Promise<{ renewed: boolean }> {
      return withTenant(db, input.tenantId, async (tx) => {
        const s = await renewalSubject(tx, input.subscriptionId, { lock: true });
        if (!dueAt(s, input.renewsAt)) return { renewed: false };
        const schedule = await scheduleOf(tx, s);
        const row = await openPeriod(tx, input.tenantId, s, schedule);
        const paid = await unsettledManualPayment(tx, s.id, {
          since: manualSince(schedule),
          paymentId: input.paymentId,
        });
        if (!paid) return { renewed: false };
        const attempt = { attempt: Math.max(row.attempts, 1), provider: 'offline' as const, providerRef: null };
        await settlePaid(tx, input.tenantId, s, row, schedule, { ...attempt, existingPaymentId: paid.id });
        return { renewed: true };
      });
    },

    /**
     * Expires the subscription: its renewal stayed unpaid through the grace period (`renewal_failed`),
     * or it was not renewing and its period ended (`not_renewed`). Its season seats are released, the
     * holder is e-mailed and the expiry announced; false when it had changed meanwhile.
     */
    async seasonRenewalExpire(
      input: RenewalRef & { reason: 'renewal_failed' | 'not_renewed'; renewsAt: string | null },
    ): Promise<{ expired: boolean }> {
      return withTenant(db, input.tenantId, async (tx) => {
        const s = await renewalSubject(tx, input.subscriptionId, { lock: true });
        if (!s) return { expired: false };
        let row: RenewalRow | undefined;
        if (input.reason === 'renewal_failed') {
          if (!input.renewsAt || !dueAt(s, input.renewsAt)) return { expired: false };
          row = await getRenewal(tx, s.id, s.renews_at);
          if (row?.status === 'renewed') return { expired: false };
        } else if (renewing(s) || s.ends_at.getTime() > Date.now()) return { expired: false };
        if (!(await expireSubscription(tx, s.id))) return { expired: false };
        if (row) await markRenewalExpired(tx, row.id);
        const seats = await releaseSubscriptionSeats(tx, input.tenantId, s.id, 'expired');
        const facts = { renewsAt: (s.renews_at ?? s.ends_at).toISOString() };
        await queueEmail(tx, input.tenantId, await renewalEmail('expired', s, facts, `season-expired-${s.id}`));
        await emit(tx, input.tenantId, {
          type: 'season.subscription_expired',
          aggregateType: 'season_subscription',
          aggregateId: s.id,
          payload: { subscription_id: s.id, customer_id: s.customer_id, reason: input.reason, seats_released: seats },
        });
        return { expired: true };
      });
    },
  };
}

export type RenewalSteps = ReturnType<typeof createRenewalSteps>;
