import { defineQuery, defineSignal } from '@temporalio/workflow';
import { parseWorkflowId, workflowId } from '../ids';
import type * as workflows from '.';
import { workflowType } from '../workflow-type';

export const ORDER_FULFILMENT_KIND = 'order-fulfilment';

export const orderFulfilmentWorkflowId = (tenantId: string, orderId: number): string =>
  workflowId(ORDER_FULFILMENT_KIND, tenantId, orderId);

export function parseOrderFulfilmentWorkflowId(id: string): { tenantId: string; orderId: number } | undefined {
  const parsed = parseWorkflowId(ORDER_FULFILMENT_KIND, id);
  return parsed && { tenantId: parsed.tenantId, orderId: Number(parsed.entityId) };
}

export interface OrderFulfilmentInput {
  tenantId: string;
  orderId: number;
  eventId: number;
  /** How long an unpaid order holds its seats. */
  paymentTimeoutMs: number;
  /** Set when the payment already succeeded as the order was placed (offline or external). */
  paymentReference?: string;
}

export type OrderFulfilmentStatus = 'awaiting_payment' | 'fulfilling' | 'fulfilled' | 'expired' | 'failed';

export interface OrderFulfilmentState {
  status: OrderFulfilmentStatus;
  paymentReference?: string;
  ticketIds: number[];
  reason?: string;
}

export const confirmPaymentSignal = defineSignal<[{ reference: string }]>('confirmPayment');
export const failPaymentSignal = defineSignal<[{ reason: string }]>('failPayment');
export const getOrderStateQuery = defineQuery<OrderFulfilmentState>('getOrderState');

/** How the API and triggers start it: typed by the function, whose code they never load. */
export const orderFulfilmentWorkflowType = workflowType<typeof workflows>()('orderFulfilmentWorkflow');
