import { surveyDispatchWorkflowId } from '../../workflows/surveys/responses-dispatch-contract';
import { createTenantWithKey } from '../helpers/fixtures';
import { createHarness, eventually, type Harness } from '../helpers/harness';
import { eventWithAudience, mailTo, QUESTIONS, setSurveySettings } from './responses-fixtures';

let h: Harness;

beforeAll(async () => {
  h = await createHarness({ worker: true });
}, 120_000);
afterAll(() => h?.stop());

interface Send {
  survey_id: number;
  event_id: number;
  audience: string;
  workflow_id: string;
  started: boolean;
}

it("sends a survey by hand to an event's attendees once, and to its no-shows when asked", async () => {
  const t = await createTenantWithKey(h, 'Manual send');
  await setSurveySettings(t, { reminder_after_s: null, response_window_s: 60 });
  const create = (extra: Record<string, unknown> = {}) =>
    t.api.post<{ id: number }>('/api/surveys/surveys', {
      name: 'How was it',
      questions: QUESTIONS,
      auto_send: false,
      ...extra,
    });
  const surveyId = (await create()).body.id;
  const { f, attendees, noShows } = await eventWithAudience(h, t, 2, 1);
  const send = (id: number, body: Record<string, unknown>, key?: string) =>
    t.api.post<Send>(`/api/surveys/surveys/${id}/sends`, body, key ? { 'idempotency-key': key } : undefined);

  const first = await send(surveyId, { event_id: f.eventId });
  expect(first.status).toBe(202);
  expect(first.body).toEqual({
    survey_id: surveyId,
    event_id: f.eventId,
    audience: 'attended',
    workflow_id: surveyDispatchWorkflowId(t.tenantId, surveyId, f.eventId),
    started: true,
  });
  await eventually(async () => attendees.every((a) => mailTo(h, a.email).length === 1), {
    timeoutMs: 30_000,
    what: 'the survey e-mails',
  });
  // Again, even asking for the no-shows: the same send, nobody mailed twice and no-shows left alone.
  const again = await send(surveyId, { event_id: f.eventId, audience: 'no_shows' });
  expect(again.status).toBe(202);
  expect(again.body.started).toBe(false);
  const handle = h.temporal.workflow.getHandle(first.body.workflow_id);
  await eventually(async () => (await handle.query<{ phase: string }>('status')).phase === 'open', {
    timeoutMs: 30_000,
    what: 'the send to be done',
  });
  for (const a of attendees) expect(mailTo(h, a.email)).toHaveLength(1);
  expect(mailTo(h, noShows[0].email)).toHaveLength(0);

  // A second survey for the no-shows of the same event.
  const other = (await create({ name: 'We missed you' })).body.id;
  const toNoShows = await send(other, { event_id: f.eventId, audience: 'no_shows' }, `no-shows-${other}`);
  expect(toNoShows.body).toMatchObject({ audience: 'no_shows', started: true });
  await eventually(async () => mailTo(h, noShows[0].email).length === 1, {
    timeoutMs: 30_000,
    what: 'the no-show e-mail',
  });
  expect(mailTo(h, noShows[0].email)[0].subject).toContain('We missed you');
  for (const a of attendees) expect(mailTo(h, a.email)).toHaveLength(1);
}, 120_000);

it('refuses a survey that is not active and an unknown event', async () => {
  const t = await createTenantWithKey(h, 'Manual send refusals');
  const draft = await t.api.post<{ id: number }>('/api/surveys/surveys', {
    name: 'Draft',
    questions: QUESTIONS,
    status: 'draft',
  });
  const { f } = await eventWithAudience(h, t, 0, 0);
  const refused = await t.api.post<{ code: string }>(`/api/surveys/surveys/${draft.body.id}/sends`, {
    event_id: f.eventId,
  });
  expect(refused.status).toBe(422);
  expect(refused.body.code).toBe('survey_not_active');
  const unknown = await t.api.post<{ code: string }>(`/api/surveys/surveys/${draft.body.id}/sends`, {
    event_id: 999_999_999,
  });
  expect(unknown.status).toBe(404);
  const invalid = await t.api.post<{ code: string }>(`/api/surveys/surveys/${draft.body.id}/sends`, {
    event_id: f.eventId,
    audience: 'everyone',
  });
  expect(invalid.status).toBe(400);
});
