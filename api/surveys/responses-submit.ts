import type { z } from 'zod';
import type { Tx } from '../../db/connection';
import { emit } from '../../db/platform/outbox';
import { getRecipient, type RecipientRow } from '../../db/surveys/recipients';
import {
  getResponse,
  insertResponse,
  replaceAnswers,
  responseOf,
  responseOfRecipient,
  type ResponseRow,
} from '../../db/surveys/responses';
import { getQuestions, getSurvey, type SurveyWithQuestions } from '../../db/surveys/surveys';
import { checkAnswers, npsQuestion, type Answers } from '../../domain/surveys/questions';
import { AppError, conflict, notFound } from '../../lib/errors';
import type { SurveyResponse } from './responses-schemas';

/** 400 `invalid_answers`, each error naming its question (and its path in the body). */
function checked(survey: SurveyWithQuestions, raw: Record<string, unknown>, partial = false) {
  const result = checkAnswers(survey.questions, raw, partial);
  if (!result.ok) {
    const errors = result.issues.map((i) => ({
      path: `body.answers.${i.question_id}`,
      question_id: i.question_id,
      message: i.message,
      code: i.code,
    }));
    throw new AppError(400, 'invalid_answers', 'Some answers are not valid', { errors });
  }
  return result;
}

const announce = (tx: Tx, row: ResponseRow) =>
  emit(tx, row.tenant_id, {
    type: 'survey.response_submitted',
    aggregateType: 'survey_response',
    aggregateId: row.id,
    payload: {
      survey_id: row.survey_id,
      response_id: row.id,
      event_id: row.event_id,
      customer_id: row.customer_id,
      nps_score: row.nps_score,
    },
  });

export async function loadSurvey(tx: Tx, id: number): Promise<SurveyWithQuestions> {
  const survey = await getSurvey(tx, id);
  if (!survey) throw notFound('Survey');
  return survey;
}

/** The recipient's survey, refusing changes once it has closed (its window passed, or it was archived). */
async function openSurveyOf(tx: Tx, recipient: RecipientRow): Promise<SurveyWithQuestions> {
  const survey = await loadSurvey(tx, recipient.survey_id);
  if (isClosed(recipient, survey))
    throw conflict('survey_closed', 'This survey is closed: responses can no longer change');
  return survey;
}

export const isClosed = (recipient: RecipientRow, survey: SurveyWithQuestions, now = new Date()): boolean =>
  survey.status === 'archived' || (recipient.closes_at !== null && recipient.closes_at <= now);

/** The recipient, locked: its first response is created once even when the score link and the page race. */
export async function lockRecipient(tx: Tx, id: number): Promise<RecipientRow> {
  const recipient = await getRecipient(tx, id, { lock: true });
  if (!recipient) throw notFound('Survey recipient');
  return recipient;
}

/** A recipient's full response (page or API): created the first time, edited after, until the survey closes. */
export async function submitForRecipient(
  tx: Tx,
  recipient: RecipientRow,
  raw: Record<string, unknown>,
): Promise<ResponseRow> {
  const survey = await openSurveyOf(tx, recipient);
  const { answers, npsScore } = checked(survey, raw);
  const existing = await responseOfRecipient(tx, recipient.id, { lock: true });
  const row = existing
    ? await replaceAnswers(tx, existing.id, { version: survey.version, answers, npsScore, complete: true })
    : await insertResponse(tx, recipient.tenant_id, recipient.id, {
        surveyId: survey.id,
        version: survey.version,
        answers,
        npsScore,
        complete: true,
        ...responseOf(recipient),
      });
  await announce(tx, row);
  return row;
}

/**
 * The e-mail's one-click score: recorded the first time only (a second click, or a mail scanner
 * following every link after the person's own click, changes nothing); the page then asks the rest.
 */
export async function recordScore(
  tx: Tx,
  recipient: RecipientRow,
  score: number,
): Promise<{ response: ResponseRow; recorded: boolean }> {
  const survey = await openSurveyOf(tx, recipient);
  const nps = npsQuestion(survey.questions);
  if (!nps) throw notFound('NPS question');
  const existing = await responseOfRecipient(tx, recipient.id, { lock: true });
  if (existing && existing.nps_score !== null) return { response: existing, recorded: false };
  let row: ResponseRow;
  if (existing) {
    const questions = await getQuestions(tx, survey.id, existing.version);
    const kept = checkAnswers(questions, { ...existing.answers, [nps.id]: score }, true);
    const answers: Answers = kept.ok ? kept.answers : { ...existing.answers, [nps.id]: score };
    row = await replaceAnswers(tx, existing.id, {
      version: existing.version,
      answers,
      npsScore: score,
      complete: existing.complete,
    });
  } else {
    const { answers, npsScore } = checked(survey, { [nps.id]: score }, true);
    row = await insertResponse(tx, recipient.tenant_id, recipient.id, {
      surveyId: survey.id,
      version: survey.version,
      answers,
      npsScore,
      // A survey whose only question is the score is done with the click.
      complete: checkAnswers(survey.questions, answers).ok,
      ...responseOf(recipient),
    });
  }
  await announce(tx, row);
  return { response: row, recorded: true };
}

/** A response over the API without a recipient (a kiosk, an import): about an event and a customer, or anonymous. */
export async function submitUnaddressed(
  tx: Tx,
  tenantId: string,
  survey: SurveyWithQuestions,
  raw: Record<string, unknown>,
  about: { eventId: number | null; customerId: number | null },
): Promise<ResponseRow> {
  if (survey.status === 'archived') throw conflict('survey_closed', 'This survey is closed');
  const { answers, npsScore } = checked(survey, raw);
  const row = await insertResponse(tx, tenantId, null, {
    surveyId: survey.id,
    version: survey.version,
    answers,
    npsScore,
    complete: true,
    eventId: about.eventId,
    customerId: about.customerId,
    ticketTypeId: null,
    gate: null,
  });
  await announce(tx, row);
  return row;
}

/** Edits a response over the API: re-checked against the current version, refused once its recipient's survey closed. */
export async function editResponse(tx: Tx, id: number, raw: Record<string, unknown>): Promise<ResponseRow> {
  const existing = await getResponse(tx, id);
  if (!existing) throw notFound('Survey response');
  if (existing.recipient_id !== null)
    return submitForRecipient(tx, await lockRecipient(tx, existing.recipient_id), raw);
  const survey = await loadSurvey(tx, existing.survey_id);
  if (survey.status === 'archived') throw conflict('survey_closed', 'This survey is closed');
  const { answers, npsScore } = checked(survey, raw);
  const row = await replaceAnswers(tx, id, { version: survey.version, answers, npsScore, complete: true });
  await announce(tx, row);
  return row;
}

export const toResponse = (r: ResponseRow): z.infer<typeof SurveyResponse> => ({
  id: r.id,
  survey_id: r.survey_id,
  version: r.version,
  recipient_id: r.recipient_id,
  event_id: r.event_id,
  customer_id: r.customer_id,
  ticket_type_id: r.ticket_type_id,
  gate: r.gate,
  answers: r.answers,
  nps_score: r.nps_score,
  complete: r.complete,
  submitted_at: r.submitted_at.toISOString(),
  updated_at: r.updated_at.toISOString(),
});
