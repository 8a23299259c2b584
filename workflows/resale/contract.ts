import { defineQuery } from '@temporalio/workflow';
import { parseWorkflowId, workflowId } from '../ids';
import type * as workflows from '.';
import { workflowType } from '../workflow-type';
import type { ResaleClaim } from '../../domain/waitlist/resale';

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

export const RESALE_PURCHASE_KIND = 'resale-purchase';

/** One purchase attempt: the claim names it. */
export const resalePurchaseWorkflowId = (tenantId: string, claimId: string): string =>
  workflowId(RESALE_PURCHASE_KIND, tenantId, claimId);

export interface ResalePurchaseInput {
  tenantId: string;
  /** The listing, already held for the buyer (see `claimListing`), and the quote to charge. */
  claim: ResaleClaim;
  /** A saved or client-created payment method to confirm at once (Stripe `pm_...`). */
  paymentMethod?: string;
  /** The waitlist entry buying automatically: the sale closes it, and a failure tells the line instead. */
  waitlistEntryId?: number;
}

/** Why a purchase did not go through, as the buyer hears it (an HTTP status and a stable code). */
export interface PurchaseRefusal {
  ok: false;
  status: number;
  code: string;
  message: string;
}

export type ResalePurchaseOutcome = { ok: true; transactionId: number } | PurchaseRefusal;

export type PurchaseStep = 'charging' | 'completing' | 'compensating' | 'done';

export interface ResalePurchaseState {
  step: PurchaseStep;
  paymentReference?: string;
  outcome?: ResalePurchaseOutcome;
}

export const getPurchaseStateQuery = defineQuery<ResalePurchaseState>('getPurchaseState');

export const resalePurchaseWorkflowType = workflowType<typeof workflows>()('resalePurchaseWorkflow');
