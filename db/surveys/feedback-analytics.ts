import type { Tx } from '../connection';
import type { NpsCounts, NpsGroup } from '../../domain/surveys/nps';
import type { Answers } from '../../domain/surveys/questions';

export interface ResponseFilter {
  survey_id?: number;
  event_id?: number;
  ticket_type_id?: number;
  gate?: string;
  from?: Date;
  to?: Date;
}

// Group keys as SQL: time buckets in UTC, so a group means the same whoever asks.
const GROUP_KEY: Record<NpsGroup, string> = {
  event: 'event_id::text',
  ticket_type: 'ticket_type_id::text',
  gate: 'gate',
  day: "to_char(date_trunc('day', submitted_at at time zone 'UTC'), 'YYYY-MM-DD')",
  week: "to_char(date_trunc('week', submitted_at at time zone 'UTC'), 'YYYY-MM-DD')",
  month: "to_char(date_trunc('month', submitted_at at time zone 'UTC'), 'YYYY-MM')",
};

function filtered(tx: Tx, f: ResponseFilter) {
  const q = tx('survey_responses');
  if (f.survey_id !== undefined) q.where({ survey_id: f.survey_id });
  if (f.event_id !== undefined) q.where({ event_id: f.event_id });
  if (f.ticket_type_id !== undefined) q.where({ ticket_type_id: f.ticket_type_id });
  if (f.gate !== undefined) q.where({ gate: f.gate });
  if (f.from !== undefined) q.where('submitted_at', '>=', f.from);
  if (f.to !== undefined) q.where('submitted_at', '<', f.to);
  return q;
}

/** Promoters, passives and detractors among scored responses, overall or per group (a null key: not recorded). */
export async function npsCounts(
  tx: Tx,
  f: ResponseFilter,
  group?: NpsGroup,
): Promise<(NpsCounts & { key: string | null })[]> {
  const key = group ? GROUP_KEY[group] : 'null';
  const rows: { key: string | null; promoters: number; passives: number; detractors: number }[] = await filtered(tx, f)
    .whereNotNull('nps_score')
    .select(
      tx.raw(`${key} as key`),
      tx.raw('(count(*) filter (where nps_score >= 9))::int as promoters'),
      tx.raw('(count(*) filter (where nps_score between 7 and 8))::int as passives'),
      tx.raw('(count(*) filter (where nps_score <= 6))::int as detractors'),
    )
    .groupByRaw('1')
    .orderByRaw('1 nulls last');
  return rows;
}

/** Responses / recipients e-mailed: of one survey, optionally one event. */
export async function responseRate(
  tx: Tx,
  surveyId: number,
  eventId?: number,
): Promise<{ sent: number; responded: number }> {
  const q = tx('survey_recipients as r')
    .leftJoin('survey_responses as s', 's.recipient_id', 'r.id')
    .where({ 'r.survey_id': surveyId })
    .whereNotNull('r.sent_at');
  if (eventId !== undefined) q.where({ 'r.event_id': eventId });
  const [row] = await q.select(tx.raw('count(*)::int as sent'), tx.raw('(count(s.id))::int as responded'));
  return row as { sent: number; responded: number };
}

/** The answers of a survey's responses (most recent first, at most `limit`) for distributions and themes. */
export async function answersOf(tx: Tx, f: ResponseFilter, limit: number): Promise<Answers[]> {
  const rows: { answers: Answers }[] = await filtered(tx, f).orderBy('id', 'desc').limit(limit).select('answers');
  return rows.map((r) => r.answers);
}
