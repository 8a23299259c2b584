import { condition, proxyActivities, setHandler } from '@temporalio/workflow';
import type { OrderActivities } from '../../activities/orders';
import {
  confirmPaymentSignal,
  failPaymentSignal,
  getOrderStateQuery,
  type OrderFulfilmentInput,
  type OrderFulfilmentState,
} from './contract';

const db = proxyActivities<OrderActivities>({
  startToCloseTimeout: '30 seconds',
  // Database writes are idempotent by order state, so retrying until Postgres is back is safe.
  retry: {
    initialInterval: '1 second',
    maximumInterval: '1 minute',
    nonRetryableErrorTypes: ['order_not_payable', 'not_found'],
  },
});

/**
 * Holds an order's seats until it is paid or the payment window closes, then issues its tickets
 * (emitting `order.created`) or gives the seats back.
 */
export async function orderFulfilmentWorkflow(input: OrderFulfilmentInput): Promise<OrderFulfilmentState> {
  const state: OrderFulfilmentState = {
    status: 'awaiting_payment',
    ticketIds: [],
    paymentReference: input.paymentReference,
  };
  let failure: string | undefined;

  setHandler(getOrderStateQuery, () => state);
  setHandler(confirmPaymentSignal, ({ reference }) => {
    state.paymentReference ??= reference;
  });
  setHandler(failPaymentSignal, ({ reason }) => {
    failure ??= reason;
  });

  const settled = await condition(
    () => state.paymentReference !== undefined || failure !== undefined,
    input.paymentTimeoutMs,
  );
  if (state.paymentReference === undefined) {
    state.status = settled ? 'failed' : 'expired';
    state.reason = failure ?? 'payment window closed';
    await db.closeOrder({
      tenantId: input.tenantId,
      orderId: input.orderId,
      status: state.status,
      reason: state.reason,
    });
    return state;
  }

  state.status = 'fulfilling';
  const { ticketIds } = await db.fulfilOrder({
    tenantId: input.tenantId,
    orderId: input.orderId,
    paymentReference: state.paymentReference,
  });
  state.ticketIds = ticketIds;
  state.status = 'fulfilled';
  return state;
}
