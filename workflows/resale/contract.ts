import { defineQuery } from '@temporalio/workflow';
import { parseWorkflowId, workflowId } from '../ids';
import type * as workflows from '.';
import { workflowType } from '../workflow-type';

export const RESALE_PAYOUT_KIND = 'resale-payout';

export const resalePayoutWorkflowId = (tenantId: string, transactionId: number): string =>
  workflowId(RESALE_PAYOUT_KIND, tenantId, transactionId);

export function parseResalePayoutWorkflowId(id: string): { tenantId: string; transactionId: number } | undefined {
  const parsed = parseWorkflowId(RESALE_PAYOUT_KIND, id);
  return parsed && { tenantId: parsed.tenantId, transactionId: Number(parsed.entityId) };
}

export interface ResalePayoutInput {
  tenantId: string;
  transactionId: number;
  /** How long the seller's money is held before payout (tenant setting `payout_hold_s`). */
  holdMs: number;
}

export type PayoutStatus = 'pending' | 'processing' | 'completed';

export interface ResalePayoutState {
  status: PayoutStatus;
  transactionId: number;
  reference?: string;
}

export const getPayoutStateQuery = defineQuery<ResalePayoutState>('getPayoutState');

/** How the API and triggers start it: typed by the function, whose code they never load. */
export const resalePayoutWorkflowType = workflowType<typeof workflows>()('resalePayoutWorkflow');
