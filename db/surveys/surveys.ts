import type { Tx } from '../connection';
import { getModule } from '../platform/modules';
import { dispatchTimings, type Audience, type DispatchTimings } from '../../domain/surveys/dispatch';
import { SurveysSettingsSchema } from '../../domain/surveys/settings';
import type { Question } from '../../domain/surveys/questions';

export interface SurveyRow {
  id: number;
  tenant_id: string;
  event_id: number | null;
  name: string;
  status: 'draft' | 'active' | 'archived';
  version: number;
  audience: Audience;
  auto_send: boolean;
  created_at: Date;
  updated_at: Date;
}

export type SurveyWithQuestions = SurveyRow & { questions: Question[] };

export interface SurveyInput {
  eventId: number | null;
  name: string;
  status: SurveyRow['status'];
  audience: Audience;
  autoSend: boolean;
}

const json = (questions: Question[]) => JSON.stringify(questions) as unknown as Question[];

export async function insertSurvey(
  tx: Tx,
  tenantId: string,
  input: SurveyInput,
  questions: Question[],
): Promise<SurveyWithQuestions> {
  const [row] = await tx<SurveyRow>('surveys')
    .insert({
      tenant_id: tenantId,
      event_id: input.eventId,
      name: input.name,
      status: input.status,
      audience: input.audience,
      auto_send: input.autoSend,
    })
    .returning('*');
  await tx('survey_versions').insert({
    tenant_id: tenantId,
    survey_id: row.id,
    version: 1,
    questions: json(questions),
  });
  return { ...row, questions };
}

/** A survey with the questions of its current version, in one statement (every response reads it). */
export async function getSurvey(
  tx: Tx,
  id: number,
  opts: { lock?: boolean } = {},
): Promise<SurveyWithQuestions | undefined> {
  const q = tx('surveys as s')
    .leftJoin('survey_versions as v', (j) => j.on('v.survey_id', 's.id').andOn('v.version', 's.version'))
    .where('s.id', id)
    .select('s.*', 'v.questions')
    .first();
  const row = (await (opts.lock ? q.forUpdate('s') : q)) as (SurveyRow & { questions: Question[] | null }) | undefined;
  return row ? { ...row, questions: row.questions ?? [] } : undefined;
}

export async function getQuestions(tx: Tx, surveyId: number, version: number): Promise<Question[]> {
  const v = await tx('survey_versions').where({ survey_id: surveyId, version }).first('questions');
  return (v?.questions ?? []) as Question[];
}

export async function listSurveys(
  tx: Tx,
  opts: { limit: number; after?: number; eventId?: number },
): Promise<SurveyWithQuestions[]> {
  const q = tx<SurveyRow>('surveys as s')
    .join('survey_versions as v', (j) => j.on('v.survey_id', 's.id').andOn('v.version', 's.version'))
    .select('s.*', 'v.questions')
    .orderBy('s.id')
    .limit(opts.limit + 1);
  if (opts.after) q.where('s.id', '>', opts.after);
  if (opts.eventId) q.where('s.event_id', opts.eventId);
  return (await q) as SurveyWithQuestions[];
}

/** Updates a survey; new questions are published as the next version (earlier answers keep theirs). */
export async function updateSurvey(
  tx: Tx,
  survey: SurveyWithQuestions,
  changes: Partial<SurveyInput>,
  questions?: Question[],
): Promise<SurveyWithQuestions> {
  const version = questions ? survey.version + 1 : survey.version;
  if (questions)
    await tx('survey_versions').insert({
      tenant_id: survey.tenant_id,
      survey_id: survey.id,
      version,
      questions: json(questions),
    });
  const [row] = await tx<SurveyRow>('surveys')
    .where({ id: survey.id })
    .update({
      ...(changes.eventId !== undefined ? { event_id: changes.eventId } : {}),
      ...(changes.name !== undefined ? { name: changes.name } : {}),
      ...(changes.status !== undefined ? { status: changes.status } : {}),
      ...(changes.audience !== undefined ? { audience: changes.audience } : {}),
      ...(changes.autoSend !== undefined ? { auto_send: changes.autoSend } : {}),
      version,
      updated_at: tx.fn.now() as unknown as Date,
    })
    .returning('*');
  return { ...row, questions: questions ?? survey.questions };
}

/** Archives a survey that has responses (they stay for analytics); deletes one that has none. */
export async function removeSurvey(tx: Tx, id: number): Promise<'deleted' | 'archived'> {
  const answered = await tx('survey_responses').where({ survey_id: id }).first('id');
  if (answered) {
    await tx('surveys').where({ id }).update({ status: 'archived', auto_send: false, updated_at: tx.fn.now() });
    return 'archived';
  }
  await tx('surveys').where({ id }).delete();
  return 'deleted';
}

/** Active auto-send surveys an ended event may send: its own and the tenant-wide ones. */
export async function autoSendCandidates(
  tx: Tx,
  eventId: number,
): Promise<Pick<SurveyRow, 'id' | 'event_id' | 'audience'>[]> {
  return tx<SurveyRow>('surveys')
    .where({ status: 'active', auto_send: true })
    .andWhere((w) => w.where({ event_id: eventId }).orWhereNull('event_id'))
    .select('id', 'event_id', 'audience');
}

/** The waits of a survey send from the tenant's surveys settings (defaults where unset or unreadable). */
export async function sendTimings(tx: Tx): Promise<DispatchTimings> {
  const settings = SurveysSettingsSchema.safeParse((await getModule(tx, 'surveys'))?.settings ?? {});
  return dispatchTimings(settings.success ? settings.data : {});
}
