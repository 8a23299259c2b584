import { defineQuery } from '@temporalio/workflow';
import { parseWorkflowId, workflowId } from '../ids';
import { workflowType } from '../workflow-type';
import type * as workflows from '.';

/**
 * Raw tracking upkeep for one tenant: `analytics-maintenance/<tenantId>/raw`, started idempotently
 * by the worker on the tenant's first `event.created` or `order.created` it sees with analytics on. Each round makes the coming months' partitions, drops partitions past
 * the longest retention any tenant may set, and deletes this tenant's rows past its own retention.
 */
export const ANALYTICS_MAINTENANCE_KIND = 'analytics-maintenance';
export const DEFAULT_MAINTENANCE_INTERVAL_MS = 24 * 3_600_000;
export const DEFAULT_MONTHS_AHEAD = 3;

export const analyticsMaintenanceWorkflowId = (tenantId: string): string =>
  workflowId(ANALYTICS_MAINTENANCE_KIND, tenantId, 'raw');

export function parseAnalyticsMaintenanceWorkflowId(id: string): { tenantId: string } | undefined {
  const parsed = parseWorkflowId(ANALYTICS_MAINTENANCE_KIND, id);
  return parsed && parsed.entityId === 'raw' ? { tenantId: parsed.tenantId } : undefined;
}

export interface AnalyticsMaintenanceInput {
  tenantId: string;
  /** Time between rounds (default a day). */
  intervalMs: number;
  monthsAhead: number;
  /** Rounds before continue-as-new keeps the history short. */
  roundsPerRun?: number;
}

export interface AnalyticsMaintenanceState {
  rounds: number;
  lastRunAt: string | null;
  partitionsCreated: number;
  partitionsDropped: number;
  rowsDeleted: number;
}

export const getAnalyticsMaintenanceStateQuery = defineQuery<AnalyticsMaintenanceState>('getAnalyticsMaintenanceState');

export const analyticsMaintenanceWorkflowType = workflowType<typeof workflows>()('analyticsMaintenanceWorkflow');
