import { createOnSaleEvent, createTenantWithKey, type EventFixture, type TenantFixture } from '../helpers/fixtures';
import { createHarness, type Harness } from '../helpers/harness';
import { holder, QUESTIONS } from './responses-fixtures';

let h: Harness;
let t: TenantFixture;
let other: TenantFixture;
let f: EventFixture;
let vipTypeId: number;
let surveyId: number;

interface Summary {
  responses: number;
  promoters: number;
  passives: number;
  detractors: number;
  nps: number | null;
  margin_of_error: number | null;
  ci_low: number | null;
  ci_high: number | null;
}
interface NpsReport {
  overall: Summary;
  group_by: string | null;
  groups: (Summary & { key: string | null })[];
}

// Ten responses: 5 promoters at the North gate with VIP tickets, 3 passives and 2 detractors at South.
const NORTH = [10, 9, 9, 10, 9];
const SOUTH = [8, 7, 7, 3, 6];
const COMPLAINTS: Record<number, string> = { 3: 'The queue was terrible', 6: 'Terrible sound and a long queue' };

/** A recipient e-mailed by the dispatch (as it records them), answering through the API when given a score. */
async function respondent(score: number | null, gate: string, ticketTypeId: number): Promise<void> {
  const p = await holder(h, t, f, 'fan');
  const [row] = await h
    .owner('survey_recipients')
    .insert({
      tenant_id: t.tenantId,
      survey_id: surveyId,
      event_id: f.eventId,
      customer_id: p.customerId,
      ticket_type_id: ticketTypeId,
      gate,
      email: p.email,
      sent_at: new Date(),
      closes_at: new Date(Date.now() + 3_600_000),
    })
    .returning('id');
  if (score === null) return;
  const answers: Record<string, unknown> = { nps: score, sound: score >= 9 ? 5 : 2, again: score >= 7 ? 'yes' : 'no' };
  if (COMPLAINTS[score]) answers['why-low'] = COMPLAINTS[score];
  const res = await t.api.post(`/api/surveys/surveys/${surveyId}/responses`, { recipient_id: row.id, answers });
  expect(res.status).toBe(201);
}

beforeAll(async () => {
  h = await createHarness();
  t = await createTenantWithKey(h, 'NPS');
  other = await createTenantWithKey(h, 'Other tenant');
  f = await createOnSaleEvent(t, { inventory: 50, capacity: 200 });
  const vip = await t.api.post<{ id: number }>(`/api/events/${f.eventId}/ticket-types`, {
    name: 'VIP',
    price_minor: 9900,
    currency: 'EUR',
    inventory: 50,
  });
  expect(vip.status).toBe(201);
  vipTypeId = vip.body.id;
  const survey = await t.api.post<{ id: number }>('/api/surveys/surveys', {
    name: 'After the show',
    event_id: f.eventId,
    questions: QUESTIONS,
  });
  expect(survey.status).toBe(201);
  surveyId = survey.body.id;
  for (const s of NORTH) await respondent(s, 'North', vipTypeId);
  for (const s of SOUTH) await respondent(s, 'South', f.ticketTypeId);
  // Two recipients who never answered.
  await respondent(null, 'South', f.ticketTypeId);
  await respondent(null, 'South', f.ticketTypeId);
}, 180_000);
afterAll(() => h?.stop());

describe('NPS over the API', () => {
  it('matches the hand-computed NPS and margin overall', async () => {
    const res = await t.api.get<NpsReport>(`/api/surveys/nps?survey_id=${surveyId}`);
    expect(res.status).toBe(200);
    // pP = .5, pD = .2: NPS 30; 1.96 × √((.5 + .2 − .3²) / 10) × 100 = 48.4.
    expect(res.body.overall).toEqual({
      responses: 10,
      promoters: 5,
      passives: 3,
      detractors: 2,
      nps: 30,
      margin_of_error: 48.4,
      ci_low: -18.4,
      ci_high: 78.4,
    });
    expect(res.body.groups).toEqual([]);
  });

  it('breaks NPS down per gate, ticket type, event and day', async () => {
    const byGate = await t.api.get<NpsReport>(`/api/surveys/nps?survey_id=${surveyId}&group_by=gate`);
    // South: 3 passives, 2 detractors: NPS −40; 1.96 × √((.4 − .16) / 5) × 100 = 42.9.
    expect(byGate.body.groups.map((g) => [g.key, g.nps, g.margin_of_error])).toEqual([
      ['North', 100, 0],
      ['South', -40, 42.9],
    ]);
    const byType = await t.api.get<NpsReport>(`/api/surveys/nps?event_id=${f.eventId}&group_by=ticket_type`);
    expect(Object.fromEntries(byType.body.groups.map((g) => [g.key, g.nps]))).toEqual({
      [String(f.ticketTypeId)]: -40,
      [String(vipTypeId)]: 100,
    });
    const south = await t.api.get<NpsReport>(`/api/surveys/nps?survey_id=${surveyId}&gate=South`);
    expect(south.body.overall.nps).toBe(-40);
    const byEvent = await t.api.get<NpsReport>(`/api/surveys/nps?group_by=event`);
    expect(byEvent.body.groups).toEqual([expect.objectContaining({ key: String(f.eventId), nps: 30 })]);
    const byDay = await t.api.get<NpsReport>(`/api/surveys/nps?survey_id=${surveyId}&group_by=day`);
    expect(byDay.body.groups).toEqual([
      expect.objectContaining({ key: new Date().toISOString().slice(0, 10), responses: 10 }),
    ]);
    const future = await t.api.get<NpsReport>(`/api/surveys/nps?from=${encodeURIComponent('2099-01-01T00:00:00Z')}`);
    expect(future.body.overall).toMatchObject({ responses: 0, nps: null });
  });

  it('reports the response rate, answers per question, themes and sentiment', async () => {
    const res = await t.api.get<{
      response_rate: { sent: number; responded: number; rate: number };
      questions: { question_id: string; counts: Record<string, number>; mean: number | null }[];
      themes: { word: string; answers: number }[];
      sentiment: { answers: number; negative: number; mean: number };
    }>(`/api/surveys/analytics?survey_id=${surveyId}&event_id=${f.eventId}`);
    expect(res.status).toBe(200);
    expect(res.body.response_rate).toEqual({ sent: 12, responded: 10, rate: 0.8333 });
    const q = Object.fromEntries(res.body.questions.map((x) => [x.question_id, x]));
    expect(q.sound).toMatchObject({ counts: { '1': 0, '2': 5, '3': 0, '4': 0, '5': 5 }, mean: 3.5 });
    expect(q.again.counts).toEqual({ yes: 8, no: 2 });
    expect(q.nps.counts).toMatchObject({ '3': 1, '6': 1, '7': 2, '8': 1, '9': 3, '10': 2 });
    expect(res.body.themes.slice(0, 2)).toEqual([
      { word: 'queue', answers: 2 },
      { word: 'terrible', answers: 2 },
    ]);
    expect(res.body.sentiment).toMatchObject({ answers: 2, negative: 2 });
    expect(res.body.sentiment.mean).toBeLessThan(0);
  });

  it("answers 404 for another tenant's survey or event", async () => {
    expect((await other.api.get(`/api/surveys/nps?survey_id=${surveyId}`)).status).toBe(404);
    expect((await other.api.get(`/api/surveys/nps?event_id=${f.eventId}`)).status).toBe(404);
    expect((await other.api.get(`/api/surveys/analytics?survey_id=${surveyId}`)).status).toBe(404);
    const own = await other.api.get<NpsReport>('/api/surveys/nps');
    expect(own.body.overall.responses).toBe(0);
  });
});
