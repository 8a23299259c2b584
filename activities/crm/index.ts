import type { WorkerDeps } from '../deps';
import { createAutomationActivities } from './automations';
import { createCampaignActivities } from './campaigns';
import { createCustomerDataActivities } from './customer-data';
import { createSegmentActivities } from './segments';

/** The CRM module's activities; each part's names are prefixed by its part so they never clash. */
export function createCrmActivities(deps: WorkerDeps) {
  return {
    ...createCustomerDataActivities(deps),
    ...createSegmentActivities(deps),
    ...createCampaignActivities(deps),
    ...createAutomationActivities(deps),
  };
}

export type CrmActivities = ReturnType<typeof createCrmActivities>;
