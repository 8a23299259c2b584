import { resumeIfDue } from '../../db/season/subscription-changes';
import type { WorkerDeps } from '../deps';
import { defineTrigger, type Trigger } from '../platform/triggers';

export function createSubscriptionsActivities(_deps: WorkerDeps) {
  return {};
}

/** A paused subscription resumes by itself on its resume date. */
export function subscriptionsTriggers(_deps: WorkerDeps): Trigger[] {
  return [
    defineTrigger({
      name: 'season.subscription_resume',
      on: ['season.subscription_resume_due'],
      async run(event, { tx }) {
        await resumeIfDue(tx, event.tenantId, event.payload.subscription_id, new Date());
      },
    }),
  ];
}
