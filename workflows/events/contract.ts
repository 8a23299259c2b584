import { defineQuery, defineSignal } from '@temporalio/workflow';
import { workflowId } from '../ids';
import type * as workflows from '.';
import { workflowType } from '../workflow-type';

export const EVENT_LIFECYCLE_KIND = 'event-lifecycle';

export const eventLifecycleWorkflowId = (tenantId: string, eventId: number): string =>
  workflowId(EVENT_LIFECYCLE_KIND, tenantId, eventId);

export interface EventLifecycleInput {
  tenantId: string;
  eventId: number;
  /** ISO time the event ends; a durable timer fires then. */
  endsAt: string;
}

export interface EventLifecycleState {
  status: 'scheduled' | 'ended' | 'cancelled';
  endsAt: string;
}

export const rescheduleEventSignal = defineSignal<[{ endsAt: string }]>('rescheduleEvent');
export const cancelEventSignal = defineSignal('cancelEvent');
export const getEventLifecycleQuery = defineQuery<EventLifecycleState>('getEventLifecycle');

/** How the API and triggers start it: typed by the function, whose code they never load. */
export const eventLifecycleWorkflowType = workflowType<typeof workflows>()('eventLifecycleWorkflow');
