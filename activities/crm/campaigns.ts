import type { WorkerDeps } from '../deps';
import type { Trigger } from '../platform/triggers';

export function createCampaignActivities(_deps: WorkerDeps) {
  return {};
}

export function campaignTriggers(_deps: WorkerDeps): Trigger[] {
  return [];
}
