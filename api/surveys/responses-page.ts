import type Koa from 'koa';
import { z } from 'zod';
import { withTenant, type Tx } from '../../db/connection';
import { getEvent } from '../../db/events/events';
import { isModuleEnabled } from '../../db/platform/modules';
import type { RecipientRow } from '../../db/surveys/recipients';
import { getRecipient } from '../../db/surveys/recipients';
import { responseOfRecipient } from '../../db/surveys/responses';
import { recipientLinks, surveyPagePath, type RecipientClaims } from '../../domain/surveys/links';
import { pageLanguage, pageMessages, surveyLocales } from '../../domain/surveys/page-messages';
import { AppError } from '../../lib/errors';
import type { RouterDeps } from '../deps';
import { definePublicRoute, fieldErrors } from '../route';
import { pageQuestions, surveyPageHtml } from './responses-page-html';
import { PageQuery, PublicAnswers, ScoreParams, SurveyResponse, TokenParams } from './responses-schemas';
import { isClosed, loadSurvey, recordScore, submitForRecipient, toResponse } from './responses-submit';

const unknownLink = (): AppError => new AppError(404, 'not_found', 'No such survey link');

/** `?lang=`, else the browser's first language. */
function localeOf(ctx: Koa.Context): string | undefined {
  const lang = typeof ctx.query.lang === 'string' ? ctx.query.lang : ctx.get('accept-language').split(',')[0];
  const tag = lang?.split(';')[0].trim();
  return tag && /^[a-zA-Z]{2,3}(-[a-zA-Z]{2})?$/.test(tag)
    ? tag.replace(/-(\w+)$/, (_, r: string) => `-${r.toUpperCase()}`)
    : undefined;
}

/**
 * The survey e-mail's links: the page (`/s/<token>`), its JSON submit, and the one-click score
 * (`/s/<token>/score/<0-10>`). No login: the signed token names one recipient of one tenant, and a
 * forged token, another tenant's recipient or a tenant without the surveys module is a 404.
 */
export function surveyPageRoutes(deps: RouterDeps): void {
  const tags = ['surveys'];
  const links = recipientLinks(deps.config.TOKEN_SECRET);

  async function withRecipient<T>(token: string, fn: (tx: Tx, recipient: RecipientRow) => Promise<T>, lock = false) {
    const claims: RecipientClaims | undefined = links.verify(token);
    if (!claims) throw unknownLink();
    return withTenant(deps.db, claims.tenantId, async (tx) => {
      if (!(await isModuleEnabled(tx, 'surveys'))) throw unknownLink();
      const recipient = lock
        ? await getRecipient(tx, claims.recipientId, { lock: true })
        : await getRecipient(tx, claims.recipientId);
      if (!recipient) throw unknownLink();
      return fn(tx, recipient);
    });
  }

  const tokenOf = (ctx: Koa.Context): string => String((ctx.params as { token?: string }).token ?? '');

  definePublicRoute(deps, {
    method: 'get',
    path: '/s/{token}',
    tags,
    summary:
      "A recipient's survey page (signed link from the survey e-mail): questions in their language, earlier answers filled in",
    params: TokenParams,
    query: PageQuery,
    responses: {
      200: { description: 'The page', contentType: 'text/html', schema: z.string() },
      404: { description: 'Unknown or forged link' },
    },
    handler: async (ctx) => {
      const token = tokenOf(ctx);
      const locale = localeOf(ctx);
      const html = await withRecipient(token, async (tx, recipient) => {
        const survey = await loadSurvey(tx, recipient.survey_id);
        const response = await responseOfRecipient(tx, recipient.id);
        const event = recipient.event_id ? await getEvent(tx, recipient.event_id) : undefined;
        const language = pageLanguage(locale, surveyLocales(survey.questions));
        return surveyPageHtml(
          {
            title: event ? `${survey.name}: ${event.name}` : survey.name,
            questions: pageQuestions(survey.questions, locale),
            answers: response?.answers ?? {},
            closed: isClosed(recipient, survey),
            submitUrl: surveyPagePath(token),
            messages: pageMessages(language),
          },
          language,
        );
      });
      ctx.set('Cache-Control', 'no-store, private');
      ctx.type = 'text/html; charset=utf-8';
      ctx.body = html;
    },
  });

  definePublicRoute(deps, {
    method: 'post',
    path: '/s/{token}',
    tags,
    summary: "Submit or edit the recipient's response (one each, editable until the survey closes)",
    description:
      'A bad answer is a 400 `invalid_answers` whose errors name the question (`question_id`); a closed survey is a 409 `survey_closed`. Emits `survey.response_submitted`.',
    params: TokenParams,
    body: PublicAnswers,
    responses: {
      200: { description: 'Saved', schema: SurveyResponse },
      400: { description: 'Invalid answers', contentType: 'application/problem+json' },
      404: { description: 'Unknown or forged link' },
      409: { description: 'The survey is closed', contentType: 'application/problem+json' },
    },
    handler: async (ctx) => {
      const parsed = PublicAnswers.safeParse((ctx.request as { body?: unknown }).body);
      if (!parsed.success)
        throw new AppError(400, 'validation_failed', 'Invalid input', { errors: fieldErrors('body', parsed.error) });
      // Locked as it is read: a page submit and a score click of one recipient never both create its response.
      const row = await withRecipient(
        tokenOf(ctx),
        (tx, recipient) => submitForRecipient(tx, recipient, parsed.data.answers),
        true,
      );
      ctx.set('Cache-Control', 'no-store, private');
      ctx.body = toResponse(row);
    },
  });

  definePublicRoute(deps, {
    method: 'get',
    path: '/s/{token}/score/{score}',
    tags,
    summary:
      "The e-mail's one-click NPS score (0–10): records it the first time only, then opens the rest of the survey",
    params: ScoreParams,
    responses: {
      303: { description: 'To the survey page' },
      404: { description: 'Unknown or forged link, or a survey without an NPS question' },
      409: { description: 'The survey is closed', contentType: 'application/problem+json' },
    },
    handler: async (ctx) => {
      const token = tokenOf(ctx);
      const score = ScoreParams.shape.score.safeParse((ctx.params as { score?: string }).score);
      if (!score.success) throw unknownLink();
      await withRecipient(token, (tx, recipient) => recordScore(tx, recipient, Number(score.data)), true);
      ctx.set('Cache-Control', 'no-store, private');
      ctx.status = 303;
      const lang = typeof ctx.query.lang === 'string' ? `?lang=${encodeURIComponent(ctx.query.lang)}` : '';
      ctx.redirect(surveyPagePath(token) + lang);
    },
  });
}
