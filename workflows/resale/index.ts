// The resale module's workflows: the worker bundles this file (see modules/resale.ts).
export { resalePayoutWorkflow } from './payout';
export { resalePurchaseWorkflow } from './purchase';
