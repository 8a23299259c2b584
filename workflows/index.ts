// The worker's single entry: every workflow type is exported from here.
export { orderFulfilmentWorkflow } from './orders/fulfilment';
export { walletPushWorkflow } from './wallet/push';
export { refundRequestWorkflow } from './refunds/refund-request';
export { webhookDeliveryWorkflow } from './webhooks/delivery';
export { eventLifecycleWorkflow } from './events/lifecycle';
