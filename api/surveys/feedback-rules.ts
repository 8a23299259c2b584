import type { z } from 'zod';
import type { Tx } from '../../db/connection';
import { deleteRule, getRule, insertRule, listRules, updateRule, type RuleRow } from '../../db/surveys/feedback-rules';
import { getSurvey } from '../../db/surveys/surveys';
import { AppError, notFound } from '../../lib/errors';
import type { RouterDeps } from '../deps';
import { defineRoute } from '../route';
import { IdParams, Pagination, page, toPage } from '../schemas/common';
import { CreateRule, Rule, UpdateRule } from './feedback-schemas';

const toRule = (r: RuleRow): z.infer<typeof Rule> => ({
  id: r.id,
  name: r.name,
  survey_id: r.survey_id,
  enabled: r.enabled,
  nps_min: r.nps_min,
  nps_max: r.nps_max,
  actions: r.actions,
  created_at: r.created_at.toISOString(),
  updated_at: r.updated_at.toISOString(),
});

/** A rule may name only the tenant's own survey: 400 on the field, as for any other bad value. */
async function assertSurvey(tx: Tx, surveyId: number | null | undefined): Promise<void> {
  if (!surveyId || (await getSurvey(tx, surveyId))) return;
  throw new AppError(400, 'validation_failed', 'The request is not valid', {
    errors: [{ path: 'body.survey_id', message: 'no such survey', code: 'not_found' }],
  });
}

/** Response automation rules: what happens when a response's NPS score falls in a range. */
export function ruleRoutes(deps: RouterDeps): void {
  const tags = ['surveys'];
  const module = 'surveys' as const;

  defineRoute(deps, {
    method: 'post',
    path: '/api/surveys/rules',
    summary:
      'Create a response automation rule, e.g. score ≤ 6 → e-mail and webhook alert and a CRM tag; score ≥ 9 → ask for a review',
    tags,
    access: { scope: 'write', module },
    idempotent: true,
    body: CreateRule,
    responses: { 201: { description: 'The rule', schema: Rule } },
    handler: async ({ tx, auth, body }) => {
      await assertSurvey(tx, body.survey_id);
      return { status: 201, body: toRule(await insertRule(tx, auth.tenantId, body)) };
    },
  });

  defineRoute(deps, {
    method: 'get',
    path: '/api/surveys/rules',
    summary: 'List response automation rules',
    tags,
    access: { scope: 'read', module },
    query: Pagination,
    responses: { 200: { description: 'Rules', schema: page(Rule) } },
    handler: async ({ tx, query }) => ({ body: toPage((await listRules(tx, query)).map(toRule), query.limit) }),
  });

  defineRoute(deps, {
    method: 'get',
    path: '/api/surveys/rules/{id}',
    summary: 'A response automation rule',
    tags,
    access: { scope: 'read', module },
    params: IdParams,
    responses: { 200: { description: 'The rule', schema: Rule } },
    handler: async ({ tx, params }) => {
      const rule = await getRule(tx, params.id);
      if (!rule) throw notFound('Rule');
      return { body: toRule(rule) };
    },
  });

  defineRoute(deps, {
    method: 'patch',
    path: '/api/surveys/rules/{id}',
    summary: 'Change a response automation rule (applies to responses submitted from now on)',
    tags,
    access: { scope: 'write', module },
    params: IdParams,
    body: UpdateRule,
    responses: { 200: { description: 'The rule', schema: Rule } },
    handler: async ({ tx, params, body }) => {
      const rule = await getRule(tx, params.id);
      if (!rule) throw notFound('Rule');
      await assertSurvey(tx, body.survey_id);
      const min = body.nps_min !== undefined ? body.nps_min : rule.nps_min;
      const max = body.nps_max !== undefined ? body.nps_max : rule.nps_max;
      if (min === null && max === null)
        throw new AppError(400, 'validation_failed', 'The request is not valid', {
          errors: [{ path: 'body.nps_max', message: 'a rule needs nps_min, nps_max or both', code: 'custom' }],
        });
      if (min !== null && max !== null && min > max)
        throw new AppError(400, 'validation_failed', 'The request is not valid', {
          errors: [{ path: 'body.nps_min', message: 'nps_min must not exceed nps_max', code: 'custom' }],
        });
      const saved = await updateRule(tx, params.id, body);
      return { body: toRule(saved ?? rule) };
    },
  });

  defineRoute(deps, {
    method: 'delete',
    path: '/api/surveys/rules/{id}',
    summary: 'Delete a response automation rule',
    tags,
    access: { scope: 'write', module },
    params: IdParams,
    responses: { 204: { description: 'Deleted' } },
    handler: async ({ tx, params }) => {
      if (!(await deleteRule(tx, params.id))) throw notFound('Rule');
      return { status: 204 };
    },
  });
}
