// The webhooks module's workflows: the worker bundles this file (see modules/webhooks.ts).
export { webhookDeliveryWorkflow } from './delivery';
