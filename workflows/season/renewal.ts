import {
  allHandlersFinished,
  condition,
  continueAsNew,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { RenewalPlan, RenewalSteps } from '../../activities/season/renewal-steps';
import {
  getRenewalStateQuery,
  paymentRecordedSignal,
  renewalChangedSignal,
  type SeasonRenewalInput,
  type SeasonRenewalState,
} from './renewal-contract';

const db = proxyActivities<RenewalSteps>({
  startToCloseTimeout: '30 seconds',
  // Every step is guarded by the period's row (reminders and attempts recorded once): retry until Postgres answers.
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

const chargeOptions = {
  startToCloseTimeout: '1 minute',
  // The provider call carries a key per period and attempt, so a retry after a lost answer is the same
  // charge; declines come back as outcomes, so what throws is an outage worth waiting out.
  retry: { initialInterval: '2 seconds', maximumInterval: '5 minutes' },
} as const;

/** The charge of runs recorded before it became a local activity (their histories replay through it). */
const charge = proxyActivities<RenewalSteps>(chargeOptions);

/**
 * The same charge as a local activity: it runs inside the workflow task that the renewal date woke,
 * so a renewal costs the server one workflow task rather than a task, an activity and another task
 * (a thousand subscriptions renewing at midnight).
 */
const localCharge = proxyLocalActivities<RenewalSteps>(chargeOptions);

const HOUR_MS = 3_600_000;
/** Periods renewed in one run before it continues as new (a period adds a few dozen history events). */
const PERIODS_PER_RUN = 12;

type PeriodEnd = 'changed' | 'renewed' | 'expired';

/**
 * One subscription's renewals, period after period (`season-renewal/<tenant>/<id>`): reminder
 * e-mails before the renewal date, the charge on it, and when that fails, dunning e-mails and
 * retries at the tenant's offsets until the grace period ends, then expiry (seats released).
 * After a renewal it continues as new for the next period. Every instant comes from the
 * subscription's renewal date and the tenant's settings (scaled in tests); a change signal
 * (paused, resumed, cancelled, moved) makes it read the subscription again, so a cancelled
 * subscription is never charged and a moved renewal date reschedules everything.
 */
export async function seasonRenewalWorkflow(input: SeasonRenewalInput): Promise<SeasonRenewalState> {
  const state: SeasonRenewalState = {
    status: 'starting',
    renewsAt: null,
    remindersSent: [],
    attempts: 0,
    lastFailure: null,
    nextRetryAt: null,
    graceEndsAt: null,
    renewals: input.renewalsSoFar ?? 0,
  };
  let changes = 0;
  const payments: number[] = [];
  setHandler(getRenewalStateQuery, () => state);
  setHandler(renewalChangedSignal, () => {
    changes++;
  });
  setHandler(paymentRecordedSignal, ({ paymentId }) => {
    payments.push(paymentId);
  });
  const ref = { tenantId: input.tenantId, subscriptionId: input.subscriptionId };
  // The next period's plan, handed over by the charge that renewed: the loop need not read it again.
  let carried: RenewalPlan | undefined;
  let following: RenewalPlan | undefined;

  /** Waits until `at` (ISO); true when a change cut the wait short. */
  const waitUntil = async (at: string, seen: number): Promise<boolean> => {
    const ms = Date.parse(at) - Date.now();
    if (ms > 0) await condition(() => changes > seen, ms);
    return changes > seen;
  };

  /** Charges the period and runs its dunning until it is paid, expires, or the subscription changes. */
  const renewPeriod = async (plan: Extract<RenewalPlan, { action: 'renew' }>, seen: number): Promise<PeriodEnd> => {
    const { schedule } = plan;
    const renewsAt = schedule.renewsAt;
    Object.assign(state, { status: 'scheduled', renewsAt, graceEndsAt: schedule.graceEndsAt, attempts: plan.attempts });
    for (const reminder of plan.reminders) {
      if (await waitUntil(reminder.at, seen)) return 'changed';
      const sent = await db.seasonRenewalRemind({ ...ref, renewsAt, daysBefore: reminder.daysBefore });
      if (sent.stale) return 'changed';
      state.remindersSent.push(reminder.daysBefore);
    }
    // A restarted workflow resumes the dunning where the period's row left it.
    let attempt = plan.attempts;
    let dueAt: string | null = attempt === 0 ? renewsAt : plan.nextRetryAt;
    for (;;) {
      if (dueAt === null) {
        if (await waitUntil(schedule.graceEndsAt, seen)) return 'changed';
        const { expired } = await db.seasonRenewalExpire({ ...ref, reason: 'renewal_failed', renewsAt });
        return expired ? 'expired' : 'changed';
      }
      if (await waitUntil(dueAt, seen)) return 'changed';
      attempt++;
      state.status = 'charging';
      const charger = patched('season-local-charge') ? localCharge : charge;
      const result = await charger.seasonRenewalCharge({ ...ref, renewsAt, attempt });
      if (result.outcome === 'renewed') {
        following = result.next;
        return 'renewed';
      }
      if (result.outcome === 'stale') return 'changed';
      Object.assign(state, {
        status: 'dunning',
        attempts: attempt,
        lastFailure: result.reason,
        nextRetryAt: result.nextRetryAt,
      });
      // Until the next attempt (or the grace end), a recorded manual payment can settle the period.
      const until = result.nextRetryAt ?? schedule.graceEndsAt;
      for (;;) {
        const paidSeen = payments.length;
        const ms = Date.parse(until) - Date.now();
        if (ms > 0) await condition(() => changes > seen || payments.length > paidSeen, ms);
        if (changes > seen) return 'changed';
        if (payments.length === paidSeen) break;
        for (const paymentId of payments.slice(paidSeen)) {
          const settled = await db.seasonRenewalSettleManual({ ...ref, renewsAt, paymentId });
          if (settled.renewed) return 'renewed';
        }
      }
      dueAt = result.nextRetryAt;
    }
  };

  for (;;) {
    const seen = changes;
    const plan = carried ?? (await db.seasonRenewalPlan(ref));
    carried = undefined;
    switch (plan.action) {
      case 'end':
        state.status = plan.status;
        await condition(allHandlersFinished);
        return state;
      case 'paused': {
        state.status = 'paused';
        // Waits for the resume signal; past the resume date it looks again now and then, in case it was lost.
        const resumeIn = plan.pausedUntil ? Date.parse(plan.pausedUntil) - Date.now() : 0;
        await condition(() => changes > seen, Math.max(resumeIn, input.pauseRecheckMs ?? HOUR_MS));
        break;
      }
      case 'lapse': {
        Object.assign(state, { status: 'scheduled', renewsAt: null });
        if (await waitUntil(plan.endsAt, seen)) break;
        await db.seasonRenewalExpire({ ...ref, reason: 'not_renewed', renewsAt: null });
        break;
      }
      case 'renew': {
        const end = await renewPeriod(plan, seen);
        if (end === 'renewed') {
          state.status = 'renewed';
          state.renewals++;
          // A renewal is one charge: the next periods run on in this run, each on the plan its charge
          // read, unless a change came in meanwhile (then the plan is read again).
          if (
            patched('season-renew-in-run') &&
            state.renewals - (input.renewalsSoFar ?? 0) < PERIODS_PER_RUN &&
            !workflowInfo().continueAsNewSuggested
          ) {
            if (changes === seen) carried = following;
            Object.assign(state, { remindersSent: [], lastFailure: null, nextRetryAt: null });
            break;
          }
          await condition(allHandlersFinished);
          return continueAsNew<typeof seasonRenewalWorkflow>({ ...input, renewalsSoFar: state.renewals });
        }
        break;
      }
    }
  }
}
