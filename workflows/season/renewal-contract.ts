import { defineQuery, defineSignal } from '@temporalio/workflow';
import { parseWorkflowId, workflowId } from '../ids';
import { searchAttributes } from '../search-attributes';
import { workflowType } from '../workflow-type';
import type * as workflows from '.';

// ---- Renewal: one subscription's reminders, charge, dunning and expiry, period after period -------

export const SEASON_RENEWAL_KIND = 'season-renewal';

export const seasonRenewalWorkflowId = (tenantId: string, subscriptionId: number): string =>
  workflowId(SEASON_RENEWAL_KIND, tenantId, subscriptionId);

export function parseSeasonRenewalWorkflowId(id: string): { tenantId: string; subscriptionId: number } | undefined {
  const parsed = parseWorkflowId(SEASON_RENEWAL_KIND, id);
  const subscriptionId = Number(parsed?.entityId);
  return parsed && Number.isSafeInteger(subscriptionId) ? { tenantId: parsed.tenantId, subscriptionId } : undefined;
}

export interface SeasonRenewalInput {
  tenantId: string;
  subscriptionId: number;
  /**
   * How long a paused subscription waits for a change signal before it looks again (a resume whose
   * signal was lost still resumes it). Default 1 hour.
   */
  pauseRecheckMs?: number;
  /** Renewals completed by the runs before this one (carried across continue-as-new). */
  renewalsSoFar?: number;
}

export type SeasonRenewalStatus =
  | 'starting'
  /** Sleeping until the next reminder or the renewal date. */
  | 'scheduled'
  | 'paused'
  | 'charging'
  /** A charge failed: waiting for the next retry (or, offline, for the manual payment) within the grace period. */
  | 'dunning'
  | 'renewed'
  | 'cancelled'
  | 'expired';

export interface SeasonRenewalState {
  status: SeasonRenewalStatus;
  /** The renewal date of the period being handled (ISO), null once it ended without one. */
  renewsAt: string | null;
  remindersSent: number[];
  attempts: number;
  lastFailure: string | null;
  nextRetryAt: string | null;
  graceEndsAt: string | null;
  /** Renewals this workflow chain has completed (carried across continue-as-new). */
  renewals: number;
}

/**
 * The subscription changed (paused, resumed, cancelled, moved to another package or renewal date):
 * the workflow reads it again and reschedules. Sent with signal-with-start.
 */
export const renewalChangedSignal = defineSignal<[{ reason: string }]>('renewalChanged');
/** A manual payment was recorded for the subscription (offline provider): it may settle the renewal. */
export const paymentRecordedSignal = defineSignal<[{ paymentId: number }]>('paymentRecorded');
export const getRenewalStateQuery = defineQuery<SeasonRenewalState>('getRenewalState');

export const seasonRenewalWorkflowType = workflowType<typeof workflows>()('seasonRenewalWorkflow');

/** How every starter (trigger, bench) starts a subscription's renewal: idempotent by id. */
export function seasonRenewalStart(taskQueue: string, tenantId: string, subscriptionId: number) {
  return {
    taskQueue,
    workflowId: seasonRenewalWorkflowId(tenantId, subscriptionId),
    args: [{ tenantId, subscriptionId } satisfies SeasonRenewalInput] as [SeasonRenewalInput],
    typedSearchAttributes: searchAttributes(tenantId),
  };
}
