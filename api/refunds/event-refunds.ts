import { type z } from 'zod';
import { getEvent } from '../../db/events/events';
import { getEventRefundRun, startEventRefundRun, type EventRefundRunRow } from '../../db/refunds/event-runs';
import { refundRateLimitPerS } from '../../db/refunds/settings';
import { conflict, notFound } from '../../lib/errors';
import { startIdempotent } from '../../lib/temporal';
import {
  eventRefundsStartOptions,
  eventRefundsWorkflowId,
  eventRefundsWorkflowType,
} from '../../workflows/refunds/contract';
import type { RouterDeps } from '../deps';
import { defineRoute } from '../route';
import { IdParams, isoOrNull } from '../schemas/common';
import { EventRefunds, StartEventRefunds } from './schemas';

function toEventRefunds(run: EventRefundRunRow): z.infer<typeof EventRefunds> {
  return {
    event_id: run.event_id,
    mode: run.mode,
    reason: run.reason,
    status: run.status,
    total: run.total,
    done: run.done,
    failed: run.failed,
    refunded_minor: Number(run.refunded_minor),
    percent: run.total
      ? Math.floor(((run.done + run.failed) * 1000) / run.total) / 10
      : run.status === 'completed'
        ? 100
        : 0,
    workflow_id: run.workflow_id,
    created_at: run.created_at.toISOString(),
    completed_at: isoOrNull(run.completed_at),
  };
}

/** Mass refunds of an event's tickets: start one durable run, follow its progress. */
export function eventRefundRoutes(deps: RouterDeps): void {
  const tags = ['Refunds'];
  const module = 'refunds' as const;

  defineRoute(deps, {
    method: 'post',
    path: '/api/events/{id}/cancel-refunds',
    summary:
      'Refund every ticket of an event (cancelled): at 100% whatever the policy, or as store credit, in one durable workflow paced to the payment provider; calling again answers the same run',
    tags,
    access: { scope: 'admin', module },
    params: IdParams,
    body: StartEventRefunds,
    idempotent: true,
    responses: {
      202: { description: 'Started: follow it with GET on the same path', schema: EventRefunds },
      200: { description: 'Already started (with the same mode)', schema: EventRefunds },
    },
    handler: async ({ tx, auth, params, body, afterCommit }) => {
      if (!(await getEvent(tx, params.id))) throw notFound('Event');
      const { run, created } = await startEventRefundRun(tx, auth.tenantId, {
        eventId: params.id,
        mode: body.mode,
        reason: body.reason,
        workflowId: eventRefundsWorkflowId(auth.tenantId, params.id),
      });
      if (run.mode !== body.mode)
        throw conflict('refunds_started', `The event's tickets are already being refunded as ${run.mode}`, {
          mode: run.mode,
        });
      const options = eventRefundsStartOptions(run, await refundRateLimitPerS(tx));
      // Started on every call while the run is open, so a call after a crash before the start repairs it.
      if (run.status === 'running')
        afterCommit(async () => {
          await startIdempotent(deps.temporal, eventRefundsWorkflowType, {
            taskQueue: deps.config.TEMPORAL_TASK_QUEUE,
            ...options,
          });
        });
      return { status: created ? 202 : 200, body: toEventRefunds(run) };
    },
  });

  defineRoute(deps, {
    method: 'get',
    path: '/api/events/{id}/cancel-refunds',
    summary: "Progress of an event's mass refund",
    tags,
    access: { scope: 'read', module },
    params: IdParams,
    responses: { 200: { description: 'Progress', schema: EventRefunds } },
    handler: async ({ tx, params }) => {
      const run = await getEventRefundRun(tx, params.id);
      if (!run) throw notFound('Event refunds');
      return { body: toEventRefunds(run) };
    },
  });
}
