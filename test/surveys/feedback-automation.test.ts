import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { decode } from '../helpers/crm';
import { createTenantWithKey, type TenantFixture } from '../helpers/fixtures';
import { client, createHarness, eventually, type Harness } from '../helpers/harness';
import { eventWithAudience, mailTo, QUESTIONS, type EventWithAudience } from './responses-fixtures';

let h: Harness;
let t: TenantFixture;
let other: TenantFixture;
let show: EventWithAudience;
let surveyId: number;
let hook: { url: string; bodies: string[]; stop(): Promise<void> };

const ORGANISER = 'alerts@organiser.example';
const REVIEW_URL = 'https://shop.example/review?event={event_id}&token={token}';

/** The tenant's webhook receiver. */
async function startReceiver(): Promise<typeof hook> {
  const bodies: string[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      bodies.push(Buffer.concat(chunks).toString('utf8'));
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`,
    bodies,
    stop: () => new Promise<void>((r) => server.close(() => r())),
  };
}

beforeAll(async () => {
  h = await createHarness({ worker: true });
  t = await createTenantWithKey(h, 'Automation');
  other = await createTenantWithKey(h, 'Other tenant');
  show = await eventWithAudience(h, t, 2, 0);
  const survey = await t.api.post<{ id: number }>('/api/surveys/surveys', {
    name: 'After the show',
    questions: QUESTIONS,
  });
  surveyId = survey.body.id;
  hook = await startReceiver();
  const endpoint = await t.api.post('/api/webhooks/endpoints', {
    url: hook.url,
    event_types: ['survey.response_alert'],
  });
  expect(endpoint.status).toBe(201);
}, 180_000);
afterAll(async () => {
  await hook?.stop();
  await h?.stop();
});

/** Waits until the rules trigger has handled `times` submissions of the response. */
const rulesRan = (responseId: number, times: number) =>
  eventually(
    async () => {
      const [{ n }] = await h
        .owner('outbox as o')
        .join('trigger_runs as r', 'r.outbox_id', 'o.id')
        .where({ 'o.type': 'survey.response_submitted', 'r.trigger': 'surveys.feedback.response-rules' })
        .whereRaw("o.payload->>'response_id' = ?", [String(responseId)])
        .count({ n: '*' });
      return Number(n) >= times;
    },
    { what: `the rules to run for response ${responseId}`, timeoutMs: 30_000 },
  );

/** Alert e-mails queued to the organiser (queued in the rule's transaction, so known as soon as it ran). */
const alertsQueued = async (): Promise<number> =>
  Number((await h.owner('email_outbox').where({ to_address: ORGANISER }).count({ n: '*' }))[0].n);

describe('response automation rules', () => {
  let detractorRule: number;

  it('are validated and kept per tenant', async () => {
    const bad = await t.api.post<{ errors: { path: string }[] }>('/api/surveys/rules', {
      name: 'No range',
      actions: [{ type: 'webhook_alert' }],
    });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e) => e.path)).toContain('body.nps_max');
    const noToken = await t.api.post('/api/surveys/rules', {
      name: 'Ask',
      nps_min: 9,
      actions: [{ type: 'request_review', review_url: 'https://shop.example/review' }],
    });
    expect(noToken.status).toBe(400);
    const foreignSurvey = await other.api.post('/api/surveys/rules', {
      name: 'Theirs',
      survey_id: surveyId,
      nps_max: 6,
      actions: [{ type: 'webhook_alert' }],
    });
    expect(foreignSurvey.status).toBe(400);

    const detractors = await t.api.post<{ id: number; survey_id: number | null }>('/api/surveys/rules', {
      name: 'Detractors',
      nps_max: 6,
      actions: [
        { type: 'email_alert', to: [ORGANISER] },
        { type: 'webhook_alert' },
        { type: 'crm_tag', tag: 'detractor' },
      ],
    });
    expect(detractors.status).toBe(201);
    detractorRule = detractors.body.id;
    const promoters = await t.api.post('/api/surveys/rules', {
      name: 'Promoters',
      survey_id: surveyId,
      nps_min: 9,
      actions: [{ type: 'request_review', review_url: REVIEW_URL }],
    });
    expect(promoters.status).toBe(201);
    const listed = await t.api.get<{ items: { id: number }[] }>('/api/surveys/rules');
    expect(listed.body.items).toHaveLength(2);

    const swapped = await t.api.patch<{ code: string }>(`/api/surveys/rules/${detractorRule}`, { nps_min: 8 });
    expect(swapped.status).toBe(400);
    for (const res of [
      await other.api.get(`/api/surveys/rules/${detractorRule}`),
      await other.api.patch(`/api/surveys/rules/${detractorRule}`, { enabled: false }),
      await other.api.delete(`/api/surveys/rules/${detractorRule}`),
    ])
      expect(res.status).toBe(404);
    expect((await other.api.get<{ items: unknown[] }>('/api/surveys/rules')).body.items).toEqual([]);
  });

  it('alert the organiser by e-mail and webhook and tag a detractor in the CRM, once per response', async () => {
    const fan = show.attendees[0];
    const res = await t.api.post<{ id: number }>(`/api/surveys/surveys/${surveyId}/responses`, {
      event_id: show.f.eventId,
      customer_id: fan.customerId,
      answers: { nps: 3, sound: 1, 'why-low': 'The sound was terrible' },
    });
    expect(res.status).toBe(201);

    const [alert] = await eventually(async () => mailTo(h, ORGANISER).length > 0 && mailTo(h, ORGANISER), {
      what: 'the alert e-mail',
      timeoutMs: 30_000,
    });
    expect(alert.subject).toBe('Survey alert: detractor score 3 (After the show)');
    expect(decode(alert.raw)).toContain('The sound was terrible');
    expect(decode(alert.raw)).toContain(fan.email);
    const customer = await t.api.get<{ tags: string[] }>(`/api/customers/${fan.customerId}`);
    expect(customer.body.tags).toContain('detractor');

    const delivered = await eventually(async () => hook.bodies.length > 0 && hook.bodies, {
      what: 'the webhook',
      timeoutMs: 30_000,
    });
    expect(JSON.parse(delivered[0])).toMatchObject({
      type: 'survey.response_alert',
      data: {
        rule_id: detractorRule,
        response_id: res.body.id,
        customer_id: fan.customerId,
        nps_score: 3,
        category: 'detractor',
      },
    });

    // An edit that still matches does not alert again.
    const edit = await t.api.patch(`/api/surveys/responses/${res.body.id}`, { answers: { nps: 2, sound: 1 } });
    expect(edit.status).toBe(200);
    await rulesRan(res.body.id, 2);
    expect(await alertsQueued()).toBe(1);
  });

  it('ask a promoter who checked in for a review with a link that lets them leave it', async () => {
    const fan = show.attendees[1];
    const res = await t.api.post<{ id: number }>(`/api/surveys/surveys/${surveyId}/responses`, {
      event_id: show.f.eventId,
      customer_id: fan.customerId,
      answers: { nps: 10, sound: 5 },
    });
    expect(res.status).toBe(201);
    const [ask] = await eventually(async () => mailTo(h, fan.email).length > 0 && mailTo(h, fan.email), {
      what: 'the review request',
      timeoutMs: 30_000,
    });
    const link = /https:\/\/shop\.example\/review\?event=(\d+)&token=([^\s]+)/.exec(
      decode(ask.raw).replace(/=\r?\n/g, ''),
    );
    expect(link?.[1]).toBe(String(show.f.eventId));
    const reviewer = client(h.baseUrl, decodeURIComponent(link?.[2] ?? ''));
    const review = await reviewer.post<{ customer_id: number; verified: boolean }>('/api/surveys/reviews', {
      event_id: show.f.eventId,
      rating: 5,
      body: 'Best night of the year',
    });
    expect(review.status).toBe(201);
    expect(review.body).toMatchObject({ customer_id: fan.customerId, verified: true });
    // The detractor rule stayed silent.
    await rulesRan(res.body.id, 1);
    expect(await alertsQueued()).toBe(1);
  });

  it('can be deleted', async () => {
    expect((await t.api.delete(`/api/surveys/rules/${detractorRule}`)).status).toBe(204);
    expect((await t.api.get(`/api/surveys/rules/${detractorRule}`)).status).toBe(404);
  });
});
