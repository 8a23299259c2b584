import { defineQuery, defineSignal } from '@temporalio/workflow';
import { parseWorkflowId, workflowId } from '../ids';
import { searchAttributes } from '../search-attributes';
import { workflowType } from '../workflow-type';
import type * as workflows from '.';

// ---- Enrolment: one customer's run through one automation ----------------------------------------

export const CRM_ENROLMENT_KIND = 'crm-enrolment';

/** Equal to the `workflow_id` column Postgres generates for the enrolment row. */
export const crmEnrolmentWorkflowId = (tenantId: string, enrolmentId: number): string =>
  workflowId(CRM_ENROLMENT_KIND, tenantId, enrolmentId);

export function parseCrmEnrolmentWorkflowId(id: string): { tenantId: string; enrolmentId: number } | undefined {
  const parsed = parseWorkflowId(CRM_ENROLMENT_KIND, id);
  return parsed && { tenantId: parsed.tenantId, enrolmentId: Number(parsed.entityId) };
}

export interface CrmEnrolmentInput {
  tenantId: string;
  enrolmentId: number;
  /**
   * How long a paused enrolment waits for a resume signal before it checks the automation again
   * (a resume whose signal was lost still resumes it). Default 1 hour.
   */
  pauseRecheckMs?: number;
}

export type CrmEnrolmentStatus = 'starting' | 'running' | 'waiting' | 'paused' | 'completed' | 'exited';

export interface CrmEnrolmentState {
  status: CrmEnrolmentStatus;
  automationId: number | null;
  version: number | null;
  holdout: boolean;
  /** The step being run or waited on (0-based). */
  step: number;
  steps: number;
  emailsQueued: number;
  exitReason: string | null;
}

/** The automation was paused or resumed: a paused enrolment holds before its next step. */
export const setPausedSignal = defineSignal<[{ paused: boolean }]>('setPaused');
/** The customer unsubscribed, withdrew consent or was erased: cuts a wait short so the exit is prompt. */
export const requestExitSignal = defineSignal<[{ reason: string }]>('requestExit');
export const getEnrolmentStateQuery = defineQuery<CrmEnrolmentState>('getEnrolmentState');

export const crmEnrolmentWorkflowType = workflowType<typeof workflows>()('crmEnrolmentWorkflow');

/** How every starter (API, triggers, activities) starts an enrolment's workflow: idempotent by id. */
export function crmEnrolmentStart(taskQueue: string, tenantId: string, enrolmentId: number) {
  return {
    taskQueue,
    workflowId: crmEnrolmentWorkflowId(tenantId, enrolmentId),
    args: [{ tenantId, enrolmentId } satisfies CrmEnrolmentInput] as [CrmEnrolmentInput],
    typedSearchAttributes: searchAttributes(tenantId),
  };
}

// ---- Lapse: "no purchase for N days" for one (automation, customer) -------------------------------

export const CRM_LAPSE_KIND = 'crm-lapse';

export const crmLapseWorkflowId = (tenantId: string, automationId: number, customerId: number): string =>
  `${CRM_LAPSE_KIND}/${tenantId}/${automationId}/${customerId}`;

export function parseCrmLapseWorkflowId(
  id: string,
): { tenantId: string; automationId: number; customerId: number } | undefined {
  const parts = id.split('/');
  if (parts.length !== 4 || parts[0] !== CRM_LAPSE_KIND || !parts[1]) return undefined;
  const automationId = Number(parts[2]);
  const customerId = Number(parts[3]);
  if (!Number.isSafeInteger(automationId) || !Number.isSafeInteger(customerId)) return undefined;
  return { tenantId: parts[1], automationId, customerId };
}

export interface CrmLapseInput {
  tenantId: string;
  automationId: number;
  customerId: number;
  /** How long without a purchase before the customer is enrolled (the trigger's days, time-scaled). */
  lapseMs: number;
  /** The first timer when the last purchase was before the start (activation backfill); default lapseMs. */
  firstLapseMs?: number;
}

export interface CrmLapseState {
  status: 'watching' | 'enrolled' | 'skipped';
  purchases: number;
  enrolmentId: number | null;
}

/** The customer paid for an order: the lapse timer starts again. Sent with signal-with-start. */
export const purchasedSignal = defineSignal<[{ orderId: number }]>('purchased');
export const getLapseStateQuery = defineQuery<CrmLapseState>('getLapseState');

export const crmLapseWorkflowType = workflowType<typeof workflows>()('crmLapseWorkflow');

// ---- Schedule: birthday, anniversary and every-day/week/month automations -------------------------

export const CRM_SCHEDULE_KIND = 'crm-schedule';

export const crmScheduleWorkflowId = (tenantId: string, automationId: number): string =>
  workflowId(CRM_SCHEDULE_KIND, tenantId, automationId);

export interface CrmScheduleInput {
  tenantId: string;
  automationId: number;
  /** The last run's time (ISO), so the next is computed after it; absent on the first start. */
  lastRunAt?: string;
  /** Run once at start instead of waiting for the first scheduled time (tests, "run now"). */
  runNow?: boolean;
}

export interface CrmScheduleState {
  status: 'sleeping' | 'running' | 'stopped';
  nextRunAt: string | null;
  lastRunAt: string | null;
  lastEnrolled: number;
}

export const getScheduleStateQuery = defineQuery<CrmScheduleState>('getScheduleState');
export const crmScheduleWorkflowType = workflowType<typeof workflows>()('crmScheduleWorkflow');

// ---- Segment refresh (segments part) ----
export * from './segment-refresh-contract';
export * from './metrics-refresh-contract';
export * from './campaign-contract';
