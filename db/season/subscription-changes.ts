import type { Tx } from '../connection';
import { conflict } from '../../lib/errors';
import { emit } from '../platform/outbox';
import { releaseSubscriptionSeats } from './allocations';
import { updateSubscription, type SubscriptionRow } from './subscriptions';

/** Pauses until `resumeAt`; a resume-due event dispatched then resumes it (`resumeIfDue`). */
export async function pauseSubscription(
  tx: Tx,
  tenantId: string,
  sub: SubscriptionRow,
  resumeAt: Date,
): Promise<SubscriptionRow> {
  const updated = await updateSubscription(tx, sub.id, { status: 'paused', paused_until: resumeAt });
  const resume_at = resumeAt.toISOString();
  await emit(tx, tenantId, [
    {
      type: 'season.subscription_paused',
      aggregateType: 'season_subscription',
      aggregateId: sub.id,
      payload: { subscription_id: sub.id, customer_id: sub.customer_id, resume_at },
    },
    {
      type: 'season.subscription_resume_due',
      aggregateType: 'season_subscription',
      aggregateId: sub.id,
      payload: { subscription_id: sub.id, resume_at },
      notBefore: resumeAt,
    },
  ]);
  return updated;
}

export async function resumeSubscription(tx: Tx, tenantId: string, sub: SubscriptionRow): Promise<SubscriptionRow> {
  const updated = await updateSubscription(tx, sub.id, { status: 'active', paused_until: null });
  await emit(tx, tenantId, {
    type: 'season.subscription_resumed',
    aggregateType: 'season_subscription',
    aggregateId: sub.id,
    payload: { subscription_id: sub.id, customer_id: sub.customer_id },
  });
  return updated;
}

/** Resumes a subscription still paused until `resumeAt` or earlier; one resumed, re-paused or ended is left alone. */
export async function resumeIfDue(tx: Tx, tenantId: string, subscriptionId: number, now: Date): Promise<boolean> {
  const sub = await tx<SubscriptionRow>('season_subscriptions').where({ id: subscriptionId }).forUpdate().first();
  if (!sub || sub.status !== 'paused' || !sub.paused_until || sub.paused_until > now) return false;
  await resumeSubscription(tx, tenantId, sub);
  return true;
}

/**
 * Cancels now (the holder's season seats of events to come are released) or at the end of the period (it stays
 * active until `ends_at` and does not renew).
 */
export async function cancelSubscription(
  tx: Tx,
  tenantId: string,
  sub: SubscriptionRow,
  atPeriodEnd: boolean,
  now: Date,
): Promise<SubscriptionRow> {
  const updated = atPeriodEnd
    ? await updateSubscription(tx, sub.id, { cancel_at_period_end: true, auto_renew: false, renews_at: null })
    : await updateSubscription(tx, sub.id, {
        status: 'cancelled',
        cancelled_at: now,
        paused_until: null,
        auto_renew: false,
        renews_at: null,
      });
  if (!atPeriodEnd) await releaseSubscriptionSeats(tx, tenantId, sub.id, 'cancelled');
  await emit(tx, tenantId, {
    type: 'season.subscription_cancelled',
    aggregateType: 'season_subscription',
    aggregateId: sub.id,
    payload: {
      subscription_id: sub.id,
      customer_id: sub.customer_id,
      at_period_end: atPeriodEnd,
      effective_at: (atPeriodEnd ? sub.ends_at : now).toISOString(),
    },
  });
  return updated;
}

/**
 * Expires a subscription whose period is over without renewal: 409 `period_not_over` before its end; its
 * season seats are released and the expiry announced.
 */
export async function expireEnded(tx: Tx, tenantId: string, sub: SubscriptionRow, now: Date): Promise<SubscriptionRow> {
  if (sub.ends_at > now) throw conflict('period_not_over', `The subscription runs until ${sub.ends_at.toISOString()}`);
  const updated = await updateSubscription(tx, sub.id, { status: 'expired', paused_until: null, renews_at: null });
  const seats = await releaseSubscriptionSeats(tx, tenantId, sub.id, 'expired');
  await emit(tx, tenantId, {
    type: 'season.subscription_expired',
    aggregateType: 'season_subscription',
    aggregateId: sub.id,
    payload: { subscription_id: sub.id, customer_id: sub.customer_id, reason: 'not_renewed', seats_released: seats },
  });
  return updated;
}
