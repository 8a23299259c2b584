import { defineQuery } from '@temporalio/workflow';
import { parseWorkflowId, workflowId } from '../ids';
import { workflowType } from '../workflow-type';
import type * as workflows from '.';

/**
 * One event's forecast refresh: `analytics-forecast/<tenantId>/<eventId>`, started idempotently on
 * `event.created` for tenants with analytics on. Each round recomputes the event's forecast and
 * records a snapshot (`analytics_event_forecasts`), then sleeps `intervalMs` (or until the start,
 * if sooner); it ends when the event has started or was cancelled.
 */
export const ANALYTICS_FORECAST_KIND = 'analytics-forecast';
export const DEFAULT_FORECAST_INTERVAL_MS = 24 * 3_600_000;

export const analyticsForecastWorkflowId = (tenantId: string, eventId: number): string =>
  workflowId(ANALYTICS_FORECAST_KIND, tenantId, eventId);

export function parseAnalyticsForecastWorkflowId(id: string): { tenantId: string; eventId: number } | undefined {
  const parsed = parseWorkflowId(ANALYTICS_FORECAST_KIND, id);
  const eventId = Number(parsed?.entityId);
  return parsed && Number.isSafeInteger(eventId) && eventId > 0 ? { tenantId: parsed.tenantId, eventId } : undefined;
}

export interface AnalyticsForecastInput {
  tenantId: string;
  eventId: number;
  /** Time between refreshes (default a day). */
  intervalMs: number;
  /** Rounds before continue-as-new keeps the history short (default 60). */
  roundsPerRun?: number;
}

/** What one refresh answers: `done` once the event has started or was cancelled. */
export interface AnalyticsForecastRound {
  done: boolean;
  /** ISO start of the event (absent when it no longer exists). */
  startsAt: string | null;
  /** The snapshot written this round, if any (none while the module is off). */
  snapshotId: number | null;
}

export interface AnalyticsForecastState {
  status: 'refreshing' | 'done';
  refreshes: number;
  lastSnapshotId: number | null;
  lastRunAt: string | null;
}

export const getAnalyticsForecastStateQuery = defineQuery<AnalyticsForecastState>('getAnalyticsForecastState');

export const analyticsForecastWorkflowType = workflowType<typeof workflows>()('analyticsForecastWorkflow');
