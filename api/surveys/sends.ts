import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { z } from 'zod';
import { getEvent } from '../../db/events/events';
import { sendTimings } from '../../db/surveys/surveys';
import { notFound, unprocessable } from '../../lib/errors';
import { surveyDispatchStartOptions, surveyDispatchWorkflowType } from '../../workflows/surveys/contract';
import type { RouterDeps } from '../deps';
import { defineRoute } from '../route';
import { Id, IdParams } from '../schemas/common';
import { loadSurvey } from './responses-submit';

const Audience = z.enum(['attended', 'no_shows']);

export const CreateSend = z.strictObject({
  event_id: Id.meta({ description: 'The event whose audience gets the survey' }),
  audience: Audience.optional().meta({
    description: "Checked-in attendees or no-shows; default: the survey's own audience",
  }),
});

export const SurveySend = z
  .object({
    survey_id: z.number().int(),
    event_id: z.number().int(),
    audience: Audience,
    workflow_id: z.string().meta({ description: 'The send, in Temporal: one per survey and event' }),
    started: z.boolean().meta({
      description:
        'False: this survey was sent to this event before (automatically or by hand); nobody is mailed again',
    }),
  })
  .meta({ id: 'SurveySend' });

/**
 * A survey sent by hand: the same dispatch workflow `event.ended` starts, without its delay. One send
 * per survey and event, whoever starts it: a repeat (or a request after the automatic send) answers
 * the same send and mails nobody again.
 */
export function sendRoutes(deps: RouterDeps): void {
  defineRoute(deps, {
    method: 'post',
    path: '/api/surveys/surveys/{id}/sends',
    summary:
      "Send a survey now to an event's checked-in attendees (or no-shows), as event.ended does but without the delay; once per survey and event. Not active: 422 survey_not_active",
    tags: ['surveys'],
    access: { scope: 'write', module: 'surveys' },
    params: IdParams,
    body: CreateSend,
    idempotent: true,
    responses: { 202: { description: 'Sending (or sent before)', schema: SurveySend } },
    handler: async ({ tx, auth, params, body, afterCommit }) => {
      const survey = await loadSurvey(tx, params.id);
      if (!(await getEvent(tx, body.event_id))) throw notFound('Event');
      if (survey.status !== 'active')
        throw unprocessable('survey_not_active', `The survey is ${survey.status}: only an active survey is sent`);
      const audience = body.audience ?? survey.audience;
      const options = surveyDispatchStartOptions({
        tenantId: auth.tenantId,
        surveyId: survey.id,
        eventId: body.event_id,
        ...(await sendTimings(tx)),
        delayMs: 0,
        audience,
      });
      let started = false;
      afterCommit(async () => {
        try {
          await deps.temporal.workflow.start(surveyDispatchWorkflowType.name, {
            taskQueue: deps.config.TEMPORAL_TASK_QUEUE,
            ...options,
          });
          started = true;
        } catch (err) {
          // The send of this survey and event exists (REJECT_DUPLICATE): that is the answer.
          if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
        }
      });
      return {
        status: 202,
        body: async () => ({
          survey_id: survey.id,
          event_id: body.event_id,
          audience,
          workflow_id: options.workflowId,
          started,
        }),
      };
    },
  });
}
