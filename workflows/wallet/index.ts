// The wallet module's workflows: the worker bundles this file (see modules/wallet.ts).
export { walletPushWorkflow } from './push';
