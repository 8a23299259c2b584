import type { z } from 'zod';
import type { Tx } from '../../db/connection';
import { getEvent } from '../../db/events/events';
import { answersOf, npsCounts, responseRate } from '../../db/surveys/feedback-analytics';
import { getSurvey } from '../../db/surveys/surveys';
import { distributions, textAnswers } from '../../domain/surveys/feedback-distributions';
import { themesOf } from '../../domain/surveys/feedback-themes';
import { npsSummary } from '../../domain/surveys/nps';
import { notFound } from '../../lib/errors';
import type { RouterDeps } from '../deps';
import { defineRoute } from '../route';
import { AnalyticsQuery, NpsQuery, NpsReport, SurveyAnalytics } from './feedback-schemas';

/** Distributions and themes read the most recent responses up to this many: enough for a stable picture. */
const ANALYSED_RESPONSES = 20_000;

async function assertOwn(tx: Tx, q: { survey_id?: number; event_id?: number }): Promise<void> {
  if (q.survey_id !== undefined && !(await getSurvey(tx, q.survey_id))) throw notFound('Survey');
  if (q.event_id !== undefined && !(await getEvent(tx, q.event_id))) throw notFound('Event');
}

/** NPS with its margin, per event, ticket type, gate and over time; per-survey distributions, response rate, themes. */
export function analyticsRoutes(deps: RouterDeps): void {
  const tags = ['surveys'];
  const module = 'surveys' as const;

  defineRoute(deps, {
    method: 'get',
    path: '/api/surveys/nps',
    summary: 'NPS with its 95% margin of error, overall and per event, ticket type, gate, day, week or month',
    tags,
    access: { scope: 'read', module },
    query: NpsQuery,
    responses: { 200: { description: 'NPS report', schema: NpsReport } },
    handler: async ({ tx, query }) => {
      await assertOwn(tx, query);
      const filter = {
        ...query,
        from: query.from ? new Date(query.from) : undefined,
        to: query.to ? new Date(query.to) : undefined,
      };
      const [overall] = await npsCounts(tx, filter);
      const groups = query.group_by ? await npsCounts(tx, filter, query.group_by) : [];
      const body: z.infer<typeof NpsReport> = {
        overall: npsSummary(overall ?? { promoters: 0, passives: 0, detractors: 0 }),
        group_by: query.group_by ?? null,
        groups: groups.map(({ key, ...counts }) => ({ key, ...npsSummary(counts) })),
      };
      return { body };
    },
  });

  defineRoute(deps, {
    method: 'get',
    path: '/api/surveys/analytics',
    summary:
      "A survey's response rate, NPS, answer distribution per question, free-text themes (word frequency) and sentiment",
    tags,
    access: { scope: 'read', module },
    query: AnalyticsQuery,
    responses: { 200: { description: 'Survey analytics', schema: SurveyAnalytics } },
    handler: async ({ tx, query }) => {
      const survey = await getSurvey(tx, query.survey_id);
      if (!survey) throw notFound('Survey');
      await assertOwn(tx, { event_id: query.event_id });
      const filter = { survey_id: survey.id, event_id: query.event_id };
      const rate = await responseRate(tx, survey.id, query.event_id);
      const [counts] = await npsCounts(tx, filter);
      const answers = await answersOf(tx, filter, ANALYSED_RESPONSES);
      const { themes, sentiment } = themesOf(textAnswers(survey.questions, answers), query.themes);
      const body: z.infer<typeof SurveyAnalytics> = {
        survey_id: survey.id,
        event_id: query.event_id ?? null,
        response_rate: {
          ...rate,
          rate: rate.sent ? Math.round((rate.responded / rate.sent) * 10_000) / 10_000 : null,
        },
        nps: npsSummary(counts ?? { promoters: 0, passives: 0, detractors: 0 }),
        questions: distributions(survey.questions, answers),
        themes,
        sentiment,
      };
      return { body };
    },
  });
}
