import {
  condition,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { GroupsActivities } from '../../activities/groups';
import {
  cancelGroupSignal,
  getGroupBookingStateQuery,
  sharePaidSignal,
  type GroupBookingInput,
  type GroupBookingState,
} from './contract';

const steps = proxyActivities<GroupsActivities>({
  startToCloseTimeout: '2 minutes',
  // Every step is guarded by state in Postgres (reminder keys, owed seats, payment status) and refunds carry
  // idempotency keys, so retrying until the database and provider answer is safe.
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

/**
 * The closing step runs as a local activity: no task of its own on the server, so a thousand deadlines due at once
 * cost a thousand workflow tasks, not four thousand tasks. It is as idempotent as the others.
 */
const closing = proxyLocalActivities<GroupsActivities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

/** Workflows started after this change close in one step and ask the leader only when there is a grace period. */
const ONE_STEP_CLOSE = 'groups-one-step-close';
/** Workflows started after this change also remind members who have not given their attendee details. */
const DETAILS_REMINDERS = 'groups-details-reminders';

/**
 * One group's payment deadline: reminders before it to members who still owe or have not given their details; at the
 * deadline the leader is asked to pay what is unpaid within a grace period; after it, the unpaid seats go back on sale
 * while paid seats keep their tickets, and any share paid too late is refunded. A cancellation releases and refunds at any point.
 */
export async function groupBookingWorkflow(input: GroupBookingInput): Promise<GroupBookingState> {
  const deadline = Date.parse(input.deadlineAt);
  const state: GroupBookingState = {
    status: 'collecting',
    deadlineAt: input.deadlineAt,
    graceEndsAt: new Date(deadline + input.graceMs).toISOString(),
    remindersSent: [],
    owing: -1,
    releasedMemberIds: [],
    refundedPaymentIds: [],
  };
  let cancelled = false;
  let paidSignals = 0;
  setHandler(getGroupBookingStateQuery, () => state);
  setHandler(cancelGroupSignal, () => {
    cancelled = true;
  });
  setHandler(sharePaidSignal, () => {
    paidSignals++;
  });
  const ids = { tenantId: input.tenantId, groupId: input.groupId };

  /** Sleeps until `at`, looking again at what is owed after each payment; true when it can stop waiting early. */
  const until = async (at: number): Promise<boolean> => {
    for (;;) {
      const seen = paidSignals;
      const wait = at - Date.now();
      if (cancelled) return true;
      if (wait <= 0) return false;
      if (!(await condition(() => cancelled || paidSignals !== seen, wait))) return false;
      if (cancelled) return true;
      state.owing = await steps.groupsOwing(ids);
      if (state.owing === 0) return true;
    }
  };

  let early = false;
  for (const offset of [...input.reminderOffsetsMs].sort((a, b) => b - a)) {
    early = await until(deadline - offset);
    if (early) break;
    // A round whose time had long passed when the group was ordered is skipped, not sent late.
    if (deadline - offset < Date.now() - 1000) continue;
    state.owing = await steps.groupsRemindMembers({ ...ids, offsetMs: offset, deadlineAt: input.deadlineAt });
    // Details ride on the payment rounds; once all is paid the leader page's reminder button sends them on demand.
    if (patched(DETAILS_REMINDERS))
      await steps.groupsRemindIncompleteDetails({ ...ids, round: `before-deadline-${offset}` });
    state.remindersSent.push(offset);
  }
  if (!early && !(await until(deadline))) {
    const oneStep = patched(ONE_STEP_CLOSE);
    // Without a grace period there is nothing to ask the leader for: the unpaid seats go back at once.
    if (!oneStep || input.graceMs > 0) {
      state.owing = await steps.groupsAskLeader({ ...ids, graceEndsAt: state.graceEndsAt });
      if (state.owing > 0) {
        state.status = 'grace';
        await until(deadline + input.graceMs);
      }
    }
  }
  if (patched(ONE_STEP_CLOSE)) {
    const closed = await closing.groupsClose({ ...ids, cancelled, workflowId: workflowInfo().workflowId });
    state.releasedMemberIds = closed.releasedMemberIds;
    state.refundedPaymentIds = closed.refundedPaymentIds;
  } else {
    state.releasedMemberIds = await steps.groupsReleaseUnpaid({ ...ids, reason: cancelled ? 'cancelled' : 'deadline' });
    state.refundedPaymentIds = await steps.groupsRefundShares({ ...ids, cancelled });
  }
  state.owing = 0;
  state.status = cancelled ? 'cancelled' : 'completed';
  return state;
}
