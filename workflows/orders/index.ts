// The orders module's workflows: the worker bundles this file (see modules/orders.ts).
export { orderFulfilmentWorkflow } from './fulfilment';
