import { defineQuery, defineSignal } from '@temporalio/workflow';
import { parseWorkflowId, workflowId } from '../ids';
import { searchAttributes } from '../search-attributes';
import { workflowType } from '../workflow-type';
import type * as workflows from '.';

// ---- Group booking: one group's payment deadline, reminders, the leader's grace period and the release ----

export const GROUP_BOOKING_KIND = 'group-booking';

export const groupBookingWorkflowId = (tenantId: string, groupId: number): string =>
  workflowId(GROUP_BOOKING_KIND, tenantId, groupId);

export function parseGroupBookingWorkflowId(id: string): { tenantId: string; groupId: number } | undefined {
  const parsed = parseWorkflowId(GROUP_BOOKING_KIND, id);
  const groupId = Number(parsed?.entityId);
  return parsed && Number.isSafeInteger(groupId) ? { tenantId: parsed.tenantId, groupId } : undefined;
}

/** Every duration is input (from the tenant's settings, scaled), so tests run in seconds. */
export interface GroupBookingInput {
  tenantId: string;
  groupId: number;
  eventId: number;
  /** When the unpaid shares are due (ISO). */
  deadlineAt: string;
  /** How long before the deadline members who still owe are reminded, one e-mail each (ms). */
  reminderOffsetsMs: number[];
  /** How long after the deadline the leader has to pay the unpaid shares before they are released (ms). */
  graceMs: number;
}

export type GroupBookingStatus =
  /** Waiting for the deadline; reminders go out before it. */
  | 'collecting'
  /** The deadline passed: the leader was asked to pay what is unpaid within the grace period. */
  | 'grace'
  /** Every seat is paid for (or released); nothing is left to wait for. */
  | 'completed'
  | 'cancelled';

export interface GroupBookingState {
  status: GroupBookingStatus;
  deadlineAt: string;
  graceEndsAt: string;
  /** Reminder rounds sent, by their offset before the deadline (ms). */
  remindersSent: number[];
  /** Seats still owed when last looked at. */
  owing: number;
  releasedMemberIds: number[];
  refundedPaymentIds: number[];
}

/** A share was paid: the workflow looks again and finishes early when nothing is owed. */
export const sharePaidSignal = defineSignal<[{ paymentId: number }]>('sharePaid');
/** The group is cancelled: unpaid seats go back on sale and paid shares are refunded. */
export const cancelGroupSignal = defineSignal<[{ reason: string }]>('cancelGroup');
export const getGroupBookingStateQuery = defineQuery<GroupBookingState>('getGroupBookingState');

export const groupBookingWorkflowType = workflowType<typeof workflows>()('groupBookingWorkflow');

/** How every starter (the bulk order, the bench) starts a group's deadline: idempotent by id. */
export function groupBookingStart(taskQueue: string, input: GroupBookingInput) {
  return {
    taskQueue,
    workflowId: groupBookingWorkflowId(input.tenantId, input.groupId),
    args: [input] as [GroupBookingInput],
    typedSearchAttributes: searchAttributes(input.tenantId, input.eventId),
  };
}

// ---- Group hold: a new group's seats lapse back to sale when no order is placed before the hold ends ----

export const GROUP_HOLD_KIND = 'group-hold';

export const groupHoldWorkflowId = (tenantId: string, groupId: number): string =>
  workflowId(GROUP_HOLD_KIND, tenantId, groupId);

export interface GroupHoldInput {
  tenantId: string;
  groupId: number;
  eventId: number;
  /** When the hold ends (ISO), as stored on the group. */
  holdExpiresAt: string;
}

export interface GroupHoldState {
  /** `ordered`: the bulk order came first (or the group was closed otherwise); `expired`: its seats went back. */
  status: 'holding' | 'ordered' | 'expired';
  holdExpiresAt: string;
  releasedMemberIds: number[];
}

export const getGroupHoldStateQuery = defineQuery<GroupHoldState>('getGroupHoldState');

export const groupHoldWorkflowType = workflowType<typeof workflows>()('groupHoldWorkflow');

/** How the `group.created` trigger starts a group's hold: idempotent by id. */
export function groupHoldStart(taskQueue: string, input: GroupHoldInput) {
  return {
    taskQueue,
    workflowId: groupHoldWorkflowId(input.tenantId, input.groupId),
    args: [input] as [GroupHoldInput],
    typedSearchAttributes: searchAttributes(input.tenantId, input.eventId),
  };
}
