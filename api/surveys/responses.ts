import type { z } from 'zod';
import type { Tx } from '../../db/connection';
import { getCustomer } from '../../db/customers/customers';
import { getEvent } from '../../db/events/events';
import { getRecipient } from '../../db/surveys/recipients';
import { getResponse, listResponses, responseOfRecipient } from '../../db/surveys/responses';
import {
  insertSurvey,
  listSurveys,
  removeSurvey,
  updateSurvey,
  type SurveyWithQuestions,
} from '../../db/surveys/surveys';
import { sameQuestions } from '../../domain/surveys/questions';
import { conflict, notFound } from '../../lib/errors';
import type { RouterDeps } from '../deps';
import { defineRoute } from '../route';
import { IdParams, page, toPage } from '../schemas/common';
import { surveyPageRoutes } from './responses-page';
import {
  CreateResponse,
  CreateSurvey,
  ResponsesQuery,
  Survey,
  SurveyResponse,
  SurveysQuery,
  UpdateResponse,
  UpdateSurvey,
} from './responses-schemas';
import {
  editResponse,
  loadSurvey,
  lockRecipient,
  submitForRecipient,
  submitUnaddressed,
  toResponse,
} from './responses-submit';

const toSurvey = (s: SurveyWithQuestions): z.infer<typeof Survey> => ({
  id: s.id,
  event_id: s.event_id,
  name: s.name,
  status: s.status,
  version: s.version,
  audience: s.audience,
  auto_send: s.auto_send,
  questions: s.questions,
  created_at: s.created_at.toISOString(),
  updated_at: s.updated_at.toISOString(),
});

async function assertEvent(tx: Tx, eventId: number | null | undefined): Promise<void> {
  if (eventId && !(await getEvent(tx, eventId))) throw notFound('Event');
}

/** Survey definitions (versioned) and their responses over the API; the signed public page is in responses-page.ts. */
export function responsesRoutes(deps: RouterDeps): void {
  const tags = ['surveys'];
  const module = 'surveys' as const;

  defineRoute(deps, {
    method: 'post',
    path: '/api/surveys/surveys',
    summary: 'Create a survey (for one event, or tenant-wide): its questions are version 1',
    tags,
    access: { scope: 'write', module },
    body: CreateSurvey,
    idempotent: true,
    responses: { 201: { description: 'Created', schema: Survey } },
    handler: async ({ tx, auth, body }) => {
      await assertEvent(tx, body.event_id);
      const survey = await insertSurvey(
        tx,
        auth.tenantId,
        {
          eventId: body.event_id ?? null,
          name: body.name,
          status: body.status ?? 'active',
          audience: body.audience ?? 'attended',
          autoSend: body.auto_send ?? true,
        },
        body.questions,
      );
      return { status: 201, body: toSurvey(survey) };
    },
  });

  defineRoute(deps, {
    method: 'get',
    path: '/api/surveys/surveys',
    summary: "The tenant's surveys with their current questions, optionally of one event",
    tags,
    access: { scope: 'read', module },
    query: SurveysQuery,
    responses: { 200: { description: 'Surveys', schema: page(Survey) } },
    handler: async ({ tx, query }) => {
      const rows = await listSurveys(tx, { limit: query.limit, after: query.after, eventId: query.event_id });
      const items = rows.slice(0, query.limit);
      return { body: { ...toPage(items, query.limit), items: items.map(toSurvey) } };
    },
  });

  defineRoute(deps, {
    method: 'get',
    path: '/api/surveys/surveys/{id}',
    summary: 'A survey with the questions of its current version',
    tags,
    access: { scope: 'read', module },
    params: IdParams,
    responses: { 200: { description: 'Survey', schema: Survey } },
    handler: async ({ tx, params }) => ({ body: toSurvey(await loadSurvey(tx, params.id)) }),
  });

  defineRoute(deps, {
    method: 'patch',
    path: '/api/surveys/surveys/{id}',
    summary: 'Change a survey; changed questions publish a new version (responses keep the version they answered)',
    tags,
    access: { scope: 'write', module },
    params: IdParams,
    body: UpdateSurvey,
    responses: { 200: { description: 'Updated', schema: Survey } },
    handler: async ({ tx, params, body }) => {
      const survey = await loadSurvey(tx, params.id);
      await assertEvent(tx, body.event_id);
      const questions = body.questions && !sameQuestions(body.questions, survey.questions) ? body.questions : undefined;
      const updated = await updateSurvey(
        tx,
        survey,
        {
          eventId: body.event_id,
          name: body.name,
          status: body.status,
          audience: body.audience,
          autoSend: body.auto_send,
        },
        questions,
      );
      return { body: toSurvey(updated) };
    },
  });

  defineRoute(deps, {
    method: 'delete',
    path: '/api/surveys/surveys/{id}',
    summary: 'Delete a survey; one with responses is archived instead (its responses stay)',
    tags,
    access: { scope: 'write', module },
    params: IdParams,
    responses: { 204: { description: 'Deleted or archived' } },
    handler: async ({ tx, params }) => {
      await loadSurvey(tx, params.id);
      await removeSurvey(tx, params.id);
      return { status: 204 };
    },
  });

  defineRoute(deps, {
    method: 'get',
    path: '/api/surveys/surveys/{id}/responses',
    summary: "A survey's responses, optionally of one event",
    tags,
    access: { scope: 'read', module },
    params: IdParams,
    query: ResponsesQuery,
    responses: { 200: { description: 'Responses', schema: page(SurveyResponse) } },
    handler: async ({ tx, params, query }) => {
      await loadSurvey(tx, params.id);
      const rows = await listResponses(tx, params.id, {
        limit: query.limit,
        after: query.after,
        eventId: query.event_id,
      });
      const items = rows.slice(0, query.limit);
      return { body: { ...toPage(items, query.limit), items: items.map(toResponse) } };
    },
  });

  defineRoute(deps, {
    method: 'post',
    path: '/api/surveys/surveys/{id}/responses',
    summary:
      "Submit a response: a recipient's (one each), or one about an event and customer; bad answers are 400 naming the question",
    tags,
    access: { scope: 'write', module },
    params: IdParams,
    body: CreateResponse,
    idempotent: true,
    responses: { 201: { description: 'Recorded', schema: SurveyResponse } },
    handler: async ({ tx, auth, params, body }) => {
      const survey = await loadSurvey(tx, params.id);
      if (body.recipient_id) {
        const found = await getRecipient(tx, body.recipient_id);
        if (!found || found.survey_id !== survey.id) throw notFound('Survey recipient');
        const recipient = await lockRecipient(tx, found.id);
        const existing = await responseOfRecipient(tx, recipient.id);
        if (existing)
          throw conflict('already_responded', 'This recipient has responded: edit the response instead', {
            response_id: existing.id,
          });
        return { status: 201, body: toResponse(await submitForRecipient(tx, recipient, body.answers)) };
      }
      await assertEvent(tx, body.event_id);
      if (body.customer_id && !(await getCustomer(tx, body.customer_id))) throw notFound('Customer');
      const row = await submitUnaddressed(tx, auth.tenantId, survey, body.answers, {
        eventId: body.event_id ?? survey.event_id,
        customerId: body.customer_id ?? null,
      });
      return { status: 201, body: toResponse(row) };
    },
  });

  defineRoute(deps, {
    method: 'get',
    path: '/api/surveys/responses/{id}',
    summary: 'A survey response with the version it answered',
    tags,
    access: { scope: 'read', module },
    params: IdParams,
    responses: { 200: { description: 'Response', schema: SurveyResponse } },
    handler: async ({ tx, params }) => {
      const row = await getResponse(tx, params.id);
      if (!row) throw notFound('Survey response');
      return { body: toResponse(row) };
    },
  });

  defineRoute(deps, {
    method: 'patch',
    path: '/api/surveys/responses/{id}',
    summary: "Replace a response's answers (until its survey closes); checked against the current version",
    tags,
    access: { scope: 'write', module },
    params: IdParams,
    body: UpdateResponse,
    responses: { 200: { description: 'Updated', schema: SurveyResponse } },
    handler: async ({ tx, params, body }) => {
      if (body.answers) return { body: toResponse(await editResponse(tx, params.id, body.answers)) };
      const row = await getResponse(tx, params.id);
      if (!row) throw notFound('Survey response');
      return { body: toResponse(row) };
    },
  });

  surveyPageRoutes(deps);
}
