import type { WorkflowStartOptions } from '@temporalio/client';
import { defineQuery, defineSignal } from '@temporalio/workflow';
import { parseWorkflowId, workflowId } from '../ids';
import type * as workflows from '.';
import { searchAttributes } from '../search-attributes';
import { workflowType } from '../workflow-type';

/** One refresh loop per dynamic segment: `crm-segment-refresh/<tenantId>/<segmentId>`. */
export const SEGMENT_REFRESH_KIND = 'crm-segment-refresh';
export const DEFAULT_SEGMENT_REFRESH_INTERVAL_S = 3600;

export const segmentRefreshWorkflowId = (tenantId: string, segmentId: number): string =>
  workflowId(SEGMENT_REFRESH_KIND, tenantId, segmentId);

export function parseSegmentRefreshWorkflowId(id: string): { tenantId: string; segmentId: number } | undefined {
  const parsed = parseWorkflowId(SEGMENT_REFRESH_KIND, id);
  return parsed && { tenantId: parsed.tenantId, segmentId: Number(parsed.entityId) };
}

export interface SegmentRefreshInput {
  tenantId: string;
  segmentId: number;
  /** Time between evaluations: rules such as "within 90 days" drift with the clock. */
  refreshIntervalS: number;
  /** Evaluations per run before continuing as new, so the history stays small. */
  evaluationsPerRun?: number;
  /** Carried over continue-as-new. */
  evaluations?: number;
}

export interface SegmentRefreshState {
  status: 'waiting' | 'evaluating' | 'ended';
  evaluations: number;
  size: number | null;
  refreshIntervalS: number;
  /** Why it ended: the segment was deleted or made static. */
  endedBecause?: 'deleted' | 'static';
}

export const getSegmentRefreshStateQuery = defineQuery<SegmentRefreshState>('getSegmentRefreshState');
/** A changed `refresh_interval_s`: the next wait uses it. */
export const setSegmentRefreshIntervalSignal =
  defineSignal<[{ refreshIntervalS: number }]>('setSegmentRefreshInterval');

export const segmentRefreshWorkflowType = workflowType<typeof workflows>()('crmSegmentRefreshWorkflow');

/** How a segment's refresh loop starts, but for the task queue; starting it again is success. */
export function segmentRefreshStartOptions(
  tenantId: string,
  segmentId: number,
  refreshIntervalS: number,
): Omit<WorkflowStartOptions<typeof workflows.crmSegmentRefreshWorkflow>, 'taskQueue'> {
  return {
    workflowId: segmentRefreshWorkflowId(tenantId, segmentId),
    args: [{ tenantId, segmentId, refreshIntervalS }],
    typedSearchAttributes: searchAttributes(tenantId),
  };
}
