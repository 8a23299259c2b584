import { defineQuery, defineSignal } from '@temporalio/workflow';
import { parseWorkflowId, workflowId } from '../ids';
import { workflowType } from '../workflow-type';
import type * as workflows from '.';

// ---- Allocation release: one event's unclaimed season seats, warned about then released ----------

export const SEASON_ALLOCATION_RELEASE_KIND = 'season-allocation-release';

export const seasonAllocationReleaseWorkflowId = (tenantId: string, eventId: number): string =>
  workflowId(SEASON_ALLOCATION_RELEASE_KIND, tenantId, eventId);

export function parseSeasonAllocationReleaseWorkflowId(id: string): { tenantId: string; eventId: number } | undefined {
  const parsed = parseWorkflowId(SEASON_ALLOCATION_RELEASE_KIND, id);
  const eventId = Number(parsed?.entityId);
  return parsed && Number.isSafeInteger(eventId) ? { tenantId: parsed.tenantId, eventId } : undefined;
}

/** When to warn and when to release (ISO), from the event's start and the tenant's settings: inputs, so tests run in seconds. */
export interface AllocationReleaseSchedule {
  warnAt: string;
  releaseAt: string;
}

export interface SeasonAllocationReleaseInput extends AllocationReleaseSchedule {
  tenantId: string;
  eventId: number;
}

export interface SeasonAllocationReleaseState extends AllocationReleaseSchedule {
  status: 'waiting' | 'warned' | 'released';
  warned: number;
  released: number;
}

/** The event moved or more seats were allocated: the timers follow the schedule sent (signal-with-start). */
export const rescheduleAllocationReleaseSignal =
  defineSignal<[AllocationReleaseSchedule]>('rescheduleAllocationRelease');
export const getAllocationReleaseStateQuery = defineQuery<SeasonAllocationReleaseState>('getAllocationReleaseState');

export const seasonAllocationReleaseWorkflowType = workflowType<typeof workflows>()('seasonAllocationReleaseWorkflow');
