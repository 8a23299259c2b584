// The waitlist module's workflows: the worker bundles this file (see modules/waitlist.ts).
export { waitlistOfferWorkflow } from './offer';
