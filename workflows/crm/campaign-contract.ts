import type { WorkflowStartOptions } from '@temporalio/client';
import { defineQuery, defineSignal } from '@temporalio/workflow';
import { parseWorkflowId, workflowId } from '../ids';
import type * as workflows from '.';
import { searchAttributes } from '../search-attributes';
import { workflowType } from '../workflow-type';

/** One workflow per campaign send: `crm-campaign/<tenantId>/<campaignId>`. */
export const CRM_CAMPAIGN_KIND = 'crm-campaign';

export const crmCampaignWorkflowId = (tenantId: string, campaignId: number): string =>
  workflowId(CRM_CAMPAIGN_KIND, tenantId, campaignId);

export function parseCrmCampaignWorkflowId(id: string): { tenantId: string; campaignId: number } | undefined {
  const parsed = parseWorkflowId(CRM_CAMPAIGN_KIND, id);
  return parsed && { tenantId: parsed.tenantId, campaignId: Number(parsed.entityId) };
}

export interface CrmCampaignInput {
  tenantId: string;
  campaignId: number;
  /** How long the A/B test runs before the winner is chosen (the campaign's `test_wait_s`). */
  testWaitMs: number;
  /** How often it checks whether every message has been sent (default 30 s). */
  progressPollMs?: number;
}

export type CrmCampaignPhase = 'snapshotting' | 'testing' | 'sending' | 'sent' | 'cancelled';

export interface CrmCampaignState {
  phase: CrmCampaignPhase;
  recipients: number;
  winner: string | null;
  winnerManual: boolean;
  pValue: number | null;
}

export const chooseCampaignWinnerSignal = defineSignal<[{ variant: string }]>('chooseCampaignWinner');
export const cancelCampaignSignal = defineSignal('cancelCampaign');
export const crmCampaignStatusQuery = defineQuery<CrmCampaignState>('status');

export const crmCampaignWorkflowType = workflowType<typeof workflows>()('crmCampaignWorkflow');

export function crmCampaignStartOptions(
  tenantId: string,
  campaignId: number,
  testWaitS: number,
): Omit<WorkflowStartOptions<typeof workflows.crmCampaignWorkflow>, 'taskQueue'> {
  return {
    workflowId: crmCampaignWorkflowId(tenantId, campaignId),
    workflowIdReusePolicy: 'REJECT_DUPLICATE',
    args: [{ tenantId, campaignId, testWaitMs: testWaitS * 1000 }],
    typedSearchAttributes: searchAttributes(tenantId),
  };
}
