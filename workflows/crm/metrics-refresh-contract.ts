import type { WorkflowStartOptions } from '@temporalio/client';
import { defineQuery } from '@temporalio/workflow';
import { parseWorkflowId, workflowId } from '../ids';
import type * as workflows from '.';
import { searchAttributes } from '../search-attributes';
import { workflowType } from '../workflow-type';

/**
 * A refresh of RFM, lifetime value and churn for all of a tenant's customers:
 * `crm-metrics-refresh/<tenantId>/<runId>`, one run row per refresh and one running per tenant.
 */
export const METRICS_REFRESH_KIND = 'crm-metrics-refresh';
export const DEFAULT_SCORE_CHUNK = 5000;
/** How long one scoring activity keeps taking chunks before it reports back (small histories). */
export const DEFAULT_SCORE_SLICE_MS = 60_000;
/** Customers the model is fitted on, sampled at random beyond this. */
export const DEFAULT_FIT_SAMPLE = 50_000;

export const metricsRefreshWorkflowId = (tenantId: string, runId: number): string =>
  workflowId(METRICS_REFRESH_KIND, tenantId, runId);

export function parseMetricsRefreshWorkflowId(id: string): { tenantId: string; runId: number } | undefined {
  const parsed = parseWorkflowId(METRICS_REFRESH_KIND, id);
  return parsed && { tenantId: parsed.tenantId, runId: Number(parsed.entityId) };
}

export interface MetricsRefreshInput {
  tenantId: string;
  runId: number;
  /** The instant ages and recencies are measured at (ISO), fixed at start so a retry scores alike. */
  asOf: string;
  horizonDays: number;
  chunkSize: number;
  fitSample: number;
  sliceMs: number;
}

export type MetricsRefreshStage = 'rfm' | 'fitting' | 'scoring' | 'completed' | 'failed';

export interface MetricsRefreshState {
  stage: MetricsRefreshStage;
  rfmCustomers: number;
  scored: number;
  method?: 'bgnbd_gg' | 'fallback';
}

export const getMetricsRefreshStateQuery = defineQuery<MetricsRefreshState>('getMetricsRefreshState');

export const metricsRefreshWorkflowType = workflowType<typeof workflows>()('crmMetricsRefreshWorkflow');

export function metricsRefreshStartOptions(
  run: { id: number; tenant_id: string; horizon_days: number },
  asOf: Date,
): Omit<WorkflowStartOptions<typeof workflows.crmMetricsRefreshWorkflow>, 'taskQueue'> {
  return {
    workflowId: metricsRefreshWorkflowId(run.tenant_id, run.id),
    workflowIdReusePolicy: 'REJECT_DUPLICATE',
    args: [
      {
        tenantId: run.tenant_id,
        runId: run.id,
        asOf: asOf.toISOString(),
        horizonDays: run.horizon_days,
        chunkSize: DEFAULT_SCORE_CHUNK,
        fitSample: DEFAULT_FIT_SAMPLE,
        sliceMs: DEFAULT_SCORE_SLICE_MS,
      },
    ],
    typedSearchAttributes: searchAttributes(run.tenant_id),
  };
}
