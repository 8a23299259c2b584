// The refunds module's workflows: the worker bundles this file (see modules/refunds.ts).
export { refundRequestWorkflow } from './refund-request';
export { eventRefundsWorkflow } from './event-refunds';
