import type { WorkflowStartOptions } from '@temporalio/client';
import { defineQuery, defineSignal } from '@temporalio/workflow';
import { parseWorkflowId, workflowId } from '../ids';
import type * as workflows from '.';
import { searchAttributes } from '../search-attributes';
import { workflowType } from '../workflow-type';

/** One loop per running A/B price test: `pricing-price-test/<tenantId>/<testId>`. */
export const PRICE_TEST_KIND = 'pricing-price-test';
export const DEFAULT_PRICE_TEST_CHECK_INTERVAL_S = 3600;

export const priceTestWorkflowId = (tenantId: string, testId: number): string =>
  workflowId(PRICE_TEST_KIND, tenantId, testId);

export function parsePriceTestWorkflowId(id: string): { tenantId: string; testId: number } | undefined {
  const parsed = parseWorkflowId(PRICE_TEST_KIND, id);
  return parsed && { tenantId: parsed.tenantId, testId: Number(parsed.entityId) };
}

export interface PriceTestInput {
  tenantId: string;
  testId: number;
  /** Time between looks at the test's statistics. */
  checkIntervalS: number;
  /** Looks per run before continuing as new, so the history stays small. */
  checksPerRun?: number;
  /** Carried over continue-as-new. */
  checks?: number;
}

export interface PriceTestState {
  status: 'waiting' | 'checking' | 'running' | 'completed' | 'stopped' | 'gone';
  checks: number;
  exposures: number;
  /** The arms' shares of new visitors after the last look. */
  weights: number[];
  winnerArm: number | null;
}

export const getPriceTestStateQuery = defineQuery<PriceTestState>('getPriceTestState');
/** Look now rather than at the end of the interval: the test was stopped, or an operator asks. */
export const checkPriceTestSignal = defineSignal('checkPriceTest');

export const priceTestWorkflowType = workflowType<typeof workflows>()('pricingPriceTestWorkflow');

/** How a test's loop starts, but for the task queue; starting it again is success. */
export function priceTestStartOptions(test: {
  id: number;
  tenant_id: string;
  event_id: number;
  check_interval_s: number;
}): Omit<WorkflowStartOptions<typeof workflows.pricingPriceTestWorkflow>, 'taskQueue'> {
  return {
    workflowId: priceTestWorkflowId(test.tenant_id, test.id),
    args: [{ tenantId: test.tenant_id, testId: test.id, checkIntervalS: test.check_interval_s }],
    typedSearchAttributes: searchAttributes(test.tenant_id, test.event_id),
  };
}
