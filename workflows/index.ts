// The worker's single entry: every workflow type is exported from here.
export { orderFulfilmentWorkflow } from './orders/fulfilment';
export { waitlistOfferWorkflow } from './waitlist/offer';
export { resalePayoutWorkflow } from './resale/payout';
export { walletPushWorkflow } from './wallet/push';
export { refundRequestWorkflow } from './refunds/refund-request';
export { webhookDeliveryWorkflow } from './webhooks/delivery';
export { eventLifecycleWorkflow } from './events/lifecycle';
