import type { Tx } from '../connection';
import type { Answers } from '../../domain/surveys/questions';
import type { RecipientRow } from './recipients';

export interface ResponseRow {
  id: number;
  tenant_id: string;
  survey_id: number;
  version: number;
  recipient_id: number | null;
  event_id: number | null;
  customer_id: number | null;
  ticket_type_id: number | null;
  gate: string | null;
  answers: Answers;
  nps_score: number | null;
  complete: boolean;
  submitted_at: Date;
  updated_at: Date;
}

export interface ResponseInput {
  surveyId: number;
  version: number;
  answers: Answers;
  npsScore: number | null;
  complete: boolean;
  eventId: number | null;
  customerId: number | null;
  ticketTypeId: number | null;
  gate: string | null;
}

export const responseOf = (recipient: RecipientRow) => ({
  eventId: recipient.event_id,
  customerId: recipient.customer_id,
  ticketTypeId: recipient.ticket_type_id,
  gate: recipient.gate,
});

export async function insertResponse(
  tx: Tx,
  tenantId: string,
  recipientId: number | null,
  input: ResponseInput,
): Promise<ResponseRow> {
  const [row] = await tx<ResponseRow>('survey_responses')
    .insert({
      tenant_id: tenantId,
      survey_id: input.surveyId,
      version: input.version,
      recipient_id: recipientId,
      event_id: input.eventId,
      customer_id: input.customerId,
      ticket_type_id: input.ticketTypeId,
      gate: input.gate,
      answers: JSON.stringify(input.answers) as unknown as Answers,
      nps_score: input.npsScore,
      complete: input.complete,
    })
    .returning('*');
  return row;
}

/** Replaces a response's answers; it then answers the version it was checked against. */
export async function replaceAnswers(
  tx: Tx,
  id: number,
  input: Pick<ResponseInput, 'version' | 'answers' | 'npsScore' | 'complete'>,
): Promise<ResponseRow> {
  const [row] = await tx<ResponseRow>('survey_responses')
    .where({ id })
    .update({
      version: input.version,
      answers: JSON.stringify(input.answers) as unknown as Answers,
      nps_score: input.npsScore,
      complete: input.complete,
      updated_at: tx.fn.now() as unknown as Date,
    })
    .returning('*');
  return row;
}

export async function getResponse(tx: Tx, id: number, opts: { lock?: boolean } = {}): Promise<ResponseRow | undefined> {
  const q = tx<ResponseRow>('survey_responses').where({ id }).first();
  return opts.lock ? q.forUpdate() : q;
}

export async function responseOfRecipient(
  tx: Tx,
  recipientId: number,
  opts: { lock?: boolean } = {},
): Promise<ResponseRow | undefined> {
  const q = tx<ResponseRow>('survey_responses').where({ recipient_id: recipientId }).first();
  return opts.lock ? q.forUpdate() : q;
}

export async function listResponses(
  tx: Tx,
  surveyId: number,
  opts: { limit: number; after?: number; eventId?: number },
): Promise<ResponseRow[]> {
  const q = tx<ResponseRow>('survey_responses')
    .where({ survey_id: surveyId })
    .orderBy('id')
    .limit(opts.limit + 1);
  if (opts.after) q.where('id', '>', opts.after);
  if (opts.eventId) q.where({ event_id: opts.eventId });
  return q;
}
