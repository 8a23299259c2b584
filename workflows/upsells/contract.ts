import { defineQuery } from '@temporalio/workflow';
import { parseWorkflowId, workflowId } from '../ids';
import { searchAttributes } from '../search-attributes';
import { workflowType } from '../workflow-type';
import type * as workflows from '.';

// ---- Unpaid add-on payments: a post-purchase add-on or upgrade payment not completed in time gives its units back ----

export const UPSELL_PAYMENT_EXPIRY_KIND = 'upsell-payment-expiry';

export const upsellPaymentExpiryWorkflowId = (tenantId: string, paymentId: number): string =>
  workflowId(UPSELL_PAYMENT_EXPIRY_KIND, tenantId, paymentId);

export function parseUpsellPaymentExpiryWorkflowId(id: string): { tenantId: string; paymentId: number } | undefined {
  const parsed = parseWorkflowId(UPSELL_PAYMENT_EXPIRY_KIND, id);
  const paymentId = Number(parsed?.entityId);
  return parsed && Number.isSafeInteger(paymentId) ? { tenantId: parsed.tenantId, paymentId } : undefined;
}

export interface UpsellPaymentExpiryInput {
  tenantId: string;
  paymentId: number;
  eventId: number;
  /** How long the buyer has to complete the payment (ms), from the tenant's `addon_payment_window_s`. */
  windowMs: number;
}

/**
 * `waiting` until the window ends; then `paid` (it was, or the provider says it is now), `released` (its
 * units went back) or `closed` (already settled or failed before the window ended).
 */
export type UpsellPaymentExpiryOutcome = 'paid' | 'released' | 'closed';

export interface UpsellPaymentExpiryState {
  status: 'waiting' | UpsellPaymentExpiryOutcome;
  expiresAt: string;
}

export const getUpsellPaymentExpiryStateQuery = defineQuery<UpsellPaymentExpiryState>('getUpsellPaymentExpiryState');

export const upsellPaymentExpiryWorkflowType = workflowType<typeof workflows>()('upsellPaymentExpiryWorkflow');

/** How the API starts a payment's window: idempotent by id. */
export function upsellPaymentExpiryStart(taskQueue: string, input: UpsellPaymentExpiryInput) {
  return {
    taskQueue,
    workflowId: upsellPaymentExpiryWorkflowId(input.tenantId, input.paymentId),
    args: [input] as [UpsellPaymentExpiryInput],
    typedSearchAttributes: searchAttributes(input.tenantId, input.eventId),
  };
}
