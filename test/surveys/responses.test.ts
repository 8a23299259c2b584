import { recipientLinks } from '../../domain/surveys/links';
import { createOnSaleEvent, createTenantWithKey, type TenantFixture } from '../helpers/fixtures';
import { client, createHarness, type Harness } from '../helpers/harness';
import { holder, QUESTIONS } from './responses-fixtures';

let h: Harness;
let t: TenantFixture;
let other: TenantFixture;

beforeAll(async () => {
  h = await createHarness();
  t = await createTenantWithKey(h, 'Surveys');
  other = await createTenantWithKey(h, 'Other tenant');
}, 120_000);
afterAll(() => h?.stop());

interface SurveyBody {
  id: number;
  version: number;
  questions: { id: string }[];
}
interface ResponseBody {
  id: number;
  version: number;
  nps_score: number | null;
  answers: Record<string, unknown>;
}
interface Problem {
  code: string;
  errors?: { path: string; question_id?: string; code: string }[];
}

async function createSurvey(tenant: TenantFixture, extra: Record<string, unknown> = {}): Promise<SurveyBody> {
  const res = await tenant.api.post<SurveyBody>('/api/surveys/surveys', {
    name: 'After the show',
    questions: QUESTIONS,
    ...extra,
  });
  expect(res.status).toBe(201);
  return res.body;
}

/** A recipient of the survey, as the dispatch would record it, and its signed link. */
async function recipient(surveyId: number, closesInMs = 3_600_000) {
  const f = await createOnSaleEvent(t);
  const p = await holder(h, t, f, 'ada');
  const [row] = await h
    .owner('survey_recipients')
    .insert({
      tenant_id: t.tenantId,
      survey_id: surveyId,
      event_id: f.eventId,
      customer_id: p.customerId,
      ticket_type_id: f.ticketTypeId,
      gate: 'North',
      email: p.email,
      sent_at: new Date(),
      closes_at: new Date(Date.now() + closesInMs),
    })
    .returning('id');
  const token = recipientLinks(h.config.TOKEN_SECRET).sign({ tenantId: t.tenantId, recipientId: row.id });
  return { id: row.id as number, token, eventId: f.eventId, customerId: p.customerId };
}

describe('survey definitions', () => {
  it('refuses a definition whose condition names a later question, with a stable code and the path', async () => {
    const res = await t.api.post<Problem>('/api/surveys/surveys', {
      name: 'Bad',
      questions: [
        { id: 'a', type: 'text', text: 'A', show_if: { question: 'b', answers: [1] } },
        { id: 'b', type: 'rating', text: 'B' },
      ],
    });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('validation_failed');
    expect(res.body.errors?.map((e) => e.path)).toContain('body.questions.0.show_if.question');
  });

  it('publishes a new version when questions change; a response keeps the version it answered', async () => {
    const survey = await createSurvey(t);
    expect(survey.version).toBe(1);
    const first = await t.api.post<ResponseBody>(`/api/surveys/surveys/${survey.id}/responses`, {
      answers: { nps: 9, sound: 4 },
    });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ version: 1, nps_score: 9 });

    const renamed = await t.api.patch<SurveyBody>(`/api/surveys/surveys/${survey.id}`, { name: 'Renamed' });
    expect(renamed.body.version).toBe(1);
    const edited = await t.api.patch<SurveyBody>(`/api/surveys/surveys/${survey.id}`, {
      questions: [...QUESTIONS, { id: 'food', type: 'rating', text: 'Rate the food', required: true }],
    });
    expect(edited.status).toBe(200);
    expect(edited.body.version).toBe(2);

    expect((await t.api.get<ResponseBody>(`/api/surveys/responses/${first.body.id}`)).body.version).toBe(1);
    const missing = await t.api.post<Problem>(`/api/surveys/surveys/${survey.id}/responses`, {
      answers: { nps: 9, sound: 4 },
    });
    expect(missing.status).toBe(400);
    expect(missing.body.errors).toEqual([expect.objectContaining({ question_id: 'food', code: 'required' })]);
  });

  it("answers 404 for another tenant's surveys and responses", async () => {
    const survey = await createSurvey(t);
    const response = await t.api.post<ResponseBody>(`/api/surveys/surveys/${survey.id}/responses`, {
      answers: { nps: 3, sound: 2 },
    });
    for (const path of [
      `/api/surveys/surveys/${survey.id}`,
      `/api/surveys/surveys/${survey.id}/responses`,
      `/api/surveys/responses/${response.body.id}`,
    ])
      expect((await other.api.get(path)).status).toBe(404);
    expect((await other.api.patch(`/api/surveys/surveys/${survey.id}`, { name: 'Mine' })).status).toBe(404);
    expect(
      (await other.api.patch(`/api/surveys/responses/${response.body.id}`, { answers: { nps: 10, sound: 5 } })).status,
    ).toBe(404);
    expect(
      (await other.api.post(`/api/surveys/surveys/${survey.id}/responses`, { answers: { nps: 1, sound: 1 } })).status,
    ).toBe(404);
    expect((await other.api.delete(`/api/surveys/surveys/${survey.id}`)).status).toBe(404);
    // Another tenant's recipient link is no link at all.
    const r = await recipient(survey.id);
    const forged = recipientLinks(h.config.TOKEN_SECRET).sign({ tenantId: other.tenantId, recipientId: r.id });
    expect((await client(h.baseUrl).get(`/s/${forged}`)).status).toBe(404);
    expect((await client(h.baseUrl).get(`/s/${r.token}x`)).status).toBe(404);
  });
});

describe('responses', () => {
  it('names the question of each bad answer and drops answers to questions their condition hides', async () => {
    const survey = await createSurvey(t);
    const bad = await t.api.post<Problem>(`/api/surveys/surveys/${survey.id}/responses`, {
      answers: { nps: 11, sound: 4, again: 'maybe', liked: ['music', 'music'], nope: 'x' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('invalid_answers');
    expect(bad.body.errors?.map((e) => [e.question_id, e.code]).sort()).toEqual([
      ['again', 'invalid_answer'],
      ['liked', 'invalid_answer'],
      ['nope', 'unknown_question'],
      ['nps', 'invalid_answer'],
    ]);
    const promoter = await t.api.post<ResponseBody>(`/api/surveys/surveys/${survey.id}/responses`, {
      answers: { nps: 10, 'why-low': 'nothing', sound: 5, liked: ['food', 'music'] },
    });
    expect(promoter.status).toBe(201);
    expect(promoter.body.answers).toEqual({ nps: 10, sound: 5, liked: ['food', 'music'] });
  });

  it('keeps one response per recipient, editable through the signed link until the survey closes', async () => {
    const survey = await createSurvey(t);
    const r = await recipient(survey.id);
    const anon = client(h.baseUrl);
    const first = await anon.post<ResponseBody>(`/s/${r.token}`, {
      answers: { nps: 4, 'why-low': 'Queues', sound: 3 },
    });
    expect(first.status).toBe(200);
    const again = await t.api.post<Problem>(`/api/surveys/surveys/${survey.id}/responses`, {
      recipient_id: r.id,
      answers: { nps: 8, sound: 3 },
    });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('already_responded');
    const edit = await anon.post<ResponseBody>(`/s/${r.token}`, { answers: { nps: 9, sound: 4 } });
    expect(edit.body).toMatchObject({ id: first.body.id, nps_score: 9, answers: { nps: 9, sound: 4 } });
    const bad = await anon.post<Problem>(`/s/${r.token}`, { answers: { nps: 9 } });
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([expect.objectContaining({ question_id: 'sound', code: 'required' })]);

    const events = await h
      .owner('outbox')
      .where({ tenant_id: t.tenantId, type: 'survey.response_submitted', aggregate_id: String(first.body.id) });
    expect(events.map((e: { payload: { nps_score: number } }) => e.payload.nps_score).sort()).toEqual([4, 9]);
    expect(events[0].payload).toMatchObject({ survey_id: survey.id, event_id: r.eventId, customer_id: r.customerId });

    await h
      .owner('survey_recipients')
      .where({ id: r.id })
      .update({ closes_at: new Date(Date.now() - 1000) });
    const closed = await anon.post<Problem>(`/s/${r.token}`, { answers: { nps: 2, sound: 1 } });
    expect(closed.status).toBe(409);
    expect(closed.body.code).toBe('survey_closed');
    expect(
      (await t.api.patch<Problem>(`/api/surveys/responses/${first.body.id}`, { answers: { nps: 2, sound: 1 } })).status,
    ).toBe(409);
  });

  it('records the one-click score once and opens the rest of the survey', async () => {
    const survey = await createSurvey(t);
    const r = await recipient(survey.id);
    const click = await fetch(`${h.baseUrl}/s/${r.token}/score/6`, { redirect: 'manual' });
    expect(click.status).toBe(303);
    expect(click.headers.get('location')).toBe(`/s/${r.token}`);
    expect((await fetch(`${h.baseUrl}/s/${r.token}/score/10`, { redirect: 'manual' })).status).toBe(303);
    const rows = await h.owner('survey_responses').where({ recipient_id: r.id });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ nps_score: 6, complete: false, gate: 'North' });
    const submitted = await h
      .owner('outbox')
      .where({ tenant_id: t.tenantId, type: 'survey.response_submitted', aggregate_id: String(rows[0].id) });
    expect(submitted).toHaveLength(1);
    const page = await client(h.baseUrl).get<string>(`/s/${r.token}?lang=de`);
    expect(page.status).toBe(200);
    expect(page.body).toContain('Wie wahrscheinlich');
    expect(page.body).toContain('"nps":6');
  });
});
