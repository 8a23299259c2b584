import type { WorkerDeps } from '../../deps';
import type { Trigger } from '../../platform/triggers';
import { crmSenderTrigger } from './sender';
import { createCampaignWorkflowActivities } from './workflow-activities';

export function createCampaignActivities(deps: WorkerDeps) {
  return createCampaignWorkflowActivities(deps);
}

export function campaignTriggers(deps: WorkerDeps): Trigger[] {
  return [crmSenderTrigger(deps)];
}
