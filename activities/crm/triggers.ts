import type { WorkerDeps } from '../deps';
import type { Trigger } from '../platform/triggers';
import { automationTriggers } from './automation-triggers';
import { campaignTriggers } from './campaigns';
import { customerDataTriggers } from './customer-data';
import { segmentTriggers } from './segments';

export function crmTriggers(deps: WorkerDeps): Trigger[] {
  return [
    ...customerDataTriggers(deps),
    ...segmentTriggers(deps),
    ...campaignTriggers(deps),
    ...automationTriggers(deps),
  ];
}
