// The events module's workflows: the worker bundles this file (see modules/events.ts).
export { eventLifecycleWorkflow } from './lifecycle';
