import type { SurveyDispatchState } from '../../workflows/surveys/responses-dispatch-contract';
import { surveyDispatchWorkflowId } from '../../workflows/surveys/responses-dispatch-contract';
import { createTenantWithKey, type TenantFixture } from '../helpers/fixtures';
import { client, createHarness, eventually, type Harness } from '../helpers/harness';
import { recordHistory } from '../helpers/histories';
import { eventWithAudience, mailTo, QUESTIONS, setSurveySettings, surveyLinks } from './responses-fixtures';

let h: Harness;

beforeAll(async () => {
  h = await createHarness({ worker: true });
}, 120_000);
afterAll(() => h?.stop());

async function survey(t: TenantFixture, extra: Record<string, unknown> = {}): Promise<number> {
  const res = await t.api.post<{ id: number }>('/api/surveys/surveys', {
    name: 'How was it',
    questions: QUESTIONS,
    ...extra,
  });
  expect(res.status).toBe(201);
  return res.body.id;
}

const end = async (t: TenantFixture, eventId: number) =>
  expect((await t.api.patch(`/api/events/${eventId}`, { status: 'ended' })).status).toBe(200);

/** The dispatch workflow's result, once the outbox dispatcher has started it. */
async function result(t: TenantFixture, surveyId: number, eventId: number): Promise<SurveyDispatchState> {
  const handle = h.temporal.workflow.getHandle(surveyDispatchWorkflowId(t.tenantId, surveyId, eventId));
  await eventually(() => handle.describe().then(Boolean, () => false), {
    timeoutMs: 30_000,
    what: 'the dispatch workflow',
  });
  return (await handle.result()) as SurveyDispatchState;
}

it('sends one survey per checked-in attendee and none to no-shows, then reminds only non-responders', async () => {
  const t = await createTenantWithKey(h, 'Dispatch');
  await setSurveySettings(t, { dispatch_delay_s: 1, reminder_after_s: 6, response_window_s: 9 });
  const surveyId = await survey(t);
  const { f, attendees, noShows } = await eventWithAudience(h, t, 3, 2);
  await end(t, f.eventId);

  await eventually(async () => attendees.every((a) => mailTo(h, a.email).length === 1), {
    timeoutMs: 30_000,
    what: 'the survey e-mails',
  });
  for (const p of noShows) expect(mailTo(h, p.email)).toHaveLength(0);
  const [responder, scorer] = attendees;

  // The responder answers through the e-mail: one click on 9, a second click changes nothing, then the page.
  const links = surveyLinks(mailTo(h, responder.email)[0]);
  expect(links.scores).toHaveLength(11);
  const anon = client(h.baseUrl);
  expect((await fetch(h.baseUrl + links.scores[9], { redirect: 'manual' })).status).toBe(303);
  expect((await fetch(h.baseUrl + links.scores[3], { redirect: 'manual' })).status).toBe(303);
  const [clicked] = await h.owner('survey_responses').where({ survey_id: surveyId, customer_id: responder.customerId });
  expect(clicked).toMatchObject({ nps_score: 9, complete: false, event_id: f.eventId, gate: 'North' });
  const done = await anon.post<{ complete: boolean; nps_score: number }>(links.page, { answers: { nps: 9, sound: 5 } });
  expect(done.body).toMatchObject({ complete: true, nps_score: 9 });
  // The scorer only clicks: a response, so no reminder either.
  expect(
    (await fetch(h.baseUrl + surveyLinks(mailTo(h, scorer.email)[0]).scores[2], { redirect: 'manual' })).status,
  ).toBe(303);

  const state = await result(t, surveyId, f.eventId);
  expect(state).toEqual({ phase: 'closed', recipients: 3, invited: 3, reminded: 1 });
  await recordHistory(h.temporal, surveyDispatchWorkflowId(t.tenantId, surveyId, f.eventId), 'survey-dispatch-closed');
  expect(mailTo(h, attendees[2].email).map((m) => m.subject)).toEqual([
    'How was it: tell us about Test concert',
    'Reminder: How was it, a minute about Test concert?',
  ]);
  for (const p of [responder, scorer]) expect(mailTo(h, p.email)).toHaveLength(1);
  for (const p of noShows) expect(mailTo(h, p.email)).toHaveLength(0);
  // Closed: the page says so and an edit is refused.
  expect((await anon.post<{ code: string }>(links.page, { answers: { nps: 1, sound: 1 } })).body.code).toBe(
    'survey_closed',
  );
  expect((await anon.get<string>(links.page)).body).toContain('This survey is closed');
}, 90_000);

it("sends no-shows the event's no-show survey when one is configured, and attendees the tenant's survey", async () => {
  const t = await createTenantWithKey(h, 'No-shows');
  await setSurveySettings(t, { dispatch_delay_s: 0, reminder_after_s: null, response_window_s: 2 });
  const { f, attendees, noShows } = await eventWithAudience(h, t, 2, 2);
  const attendedSurvey = await survey(t);
  const noShowSurvey = await survey(t, {
    name: 'We missed you',
    event_id: f.eventId,
    audience: 'no_shows',
    questions: [
      {
        id: 'why',
        type: 'single_choice',
        text: 'Why not?',
        options: [
          { id: 'ill', text: 'Ill' },
          { id: 'late', text: 'Late' },
        ],
      },
    ],
  });
  await end(t, f.eventId);
  expect(await result(t, attendedSurvey, f.eventId)).toMatchObject({ phase: 'closed', invited: 2, reminded: 0 });
  expect(await result(t, noShowSurvey, f.eventId)).toMatchObject({ phase: 'closed', invited: 2, reminded: 0 });
  await eventually(async () => [...attendees, ...noShows].every((p) => mailTo(h, p.email).length === 1), {
    what: 'both surveys delivered',
  });
  for (const p of attendees) expect(mailTo(h, p.email)[0].subject).toMatch(/^How was it/);
  for (const p of noShows) {
    const [mail] = mailTo(h, p.email);
    expect(mail.subject).toMatch(/^We missed you/);
    // A survey without an NPS question has no score links, only the page.
    expect(surveyLinks(mail)).toMatchObject({ scores: [] });
  }
}, 90_000);
