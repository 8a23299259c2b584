import { randomBytes } from 'node:crypto';
import { seedDemoAddOns } from '../../scripts/demo';
import { DEMO_GROUP } from '../../scripts/demo/groups';
import { seedDemo } from '../../scripts/demo-seed';
import { client, createHarness, eventually, type ApiClient, type Harness } from '../helpers/harness';

let h: Harness;
beforeAll(async () => {
  h = await createHarness({ worker: true });
});
afterAll(async () => {
  await h?.stop();
});

interface Page<T> {
  items: T[];
}

/** What the seeding writes, through the API: a second run must leave every count as it was. */
async function counts(api: ApiClient, eventId: number, surveyId: number, groupId: number, streamId: number) {
  const n = async (path: string) => (await api.get<Page<unknown>>(path)).body.items.length;
  return {
    products: await n(`/api/upsells/products?event_id=${eventId}&limit=200`),
    rules: await n('/api/upsells/rules?limit=200'),
    segments: await n('/api/crm/segments?limit=200'),
    ticket_types: await n(`/api/events/${eventId}/ticket-types`),
    orders: await n(`/api/orders?event_id=${eventId}&limit=200`),
    surveys: await n('/api/surveys/surveys?limit=200'),
    responses: await n(`/api/surveys/surveys/${surveyId}/responses?limit=200`),
    reviews: await n('/api/surveys/reviews?limit=200'),
    groups: await n('/api/groups/groups?limit=100'),
    group_payments: await n(`/api/groups/groups/${groupId}/payments`),
    streams: await n(`/api/streaming/streams?event_id=${eventId}`),
    chat: await n(`/api/streaming/streams/${streamId}/chat/messages?limit=200`),
  };
}

// Seeding waits for order fulfilment and starts the group's and the streams' workflows: slow beside a full suite.
it('shows upsells, surveys, groups and streaming working for a newcomer, and a second run adds nothing', async () => {
  const tenantId = `t_demo_${randomBytes(4).toString('hex')}`;
  const demo = await seedDemo(h.config, undefined, { tenantId });
  const seed = () => seedDemoAddOns({ apiUrl: h.baseUrl, ...demo, config: h.config });
  const first = await seed();
  expect(first.failed).toEqual([]);
  const api = client(h.baseUrl, demo.apiKey);
  const { eventId } = demo;

  // Upsells: every product type and rule type, offers for a cart, and reports with something in them.
  const types = (
    await api.get<Page<{ id: number; name: string; attendance: string }>>(`/api/events/${eventId}/ticket-types`)
  ).body.items;
  const general = types.find((t) => t.name === 'General admission');
  const products = (
    await api.get<Page<{ type: string; inventory: number | null; variants: unknown[] }>>(
      `/api/upsells/products?event_id=${eventId}`,
    )
  ).body.items;
  expect([...new Set(products.map((p) => p.type))].sort()).toEqual(['addon', 'bundle', 'external', 'upgrade']);
  expect(products.some((p) => p.inventory === 40)).toBe(true);
  expect(products.some((p) => p.variants.length === 4)).toBe(true);
  const rules = (await api.get<Page<{ rule_type: string }>>('/api/upsells/rules?limit=200')).body.items;
  expect([...new Set(rules.map((r) => r.rule_type))].sort()).toEqual([
    'always',
    'cart_value',
    'customer_segment',
    'ticket_type',
  ]);
  const offers = await api.get<{ offers: { product: { type: string } }[] }>(
    `/api/upsells/offers?location=cart&event_id=${eventId}&cart=${general?.id}:2`,
  );
  expect(offers.status).toBe(200);
  expect(offers.body.offers.map((o) => o.product.type)).toEqual(expect.arrayContaining(['upgrade', 'bundle', 'addon']));
  const stats = (
    await api.get<Page<{ impressions: number; clicks: number; conversions: number; revenue_minor: number }>>(
      `/api/upsells/stats?event_id=${eventId}`,
    )
  ).body.items;
  const sum = (k: 'impressions' | 'clicks' | 'conversions' | 'revenue_minor') => stats.reduce((n, r) => n + r[k], 0);
  expect([sum('impressions') > 0, sum('clicks') > 0, sum('conversions') > 0, sum('revenue_minor') > 0]).toEqual([
    true,
    true,
    true,
    true,
  ]);
  const recommended = await api.get<Page<{ kind: string }>>(`/api/upsells/recommendations?event_id=${eventId}`);
  expect(recommended.body.items.length).toBeGreaterThan(0);

  // Surveys: NPS and distributions from the responses, moderated reviews, a testimonial, the public page.
  const survey = (await api.get<Page<{ id: number; questions: { type: string }[] }>>('/api/surveys/surveys')).body
    .items[0];
  expect(survey.questions.map((q) => q.type)).toEqual(['nps', 'rating', 'single_choice', 'multiple_choice', 'text']);
  const nps = await api.get<{ overall: { responses: number; nps: number | null; margin_of_error: number | null } }>(
    `/api/surveys/nps?survey_id=${survey.id}`,
  );
  expect(nps.body.overall.responses).toBe(40);
  expect(nps.body.overall.nps).toEqual(expect.any(Number));
  expect(nps.body.overall.margin_of_error).toEqual(expect.any(Number));
  const analytics = await api.get<{ questions: unknown[] }>(`/api/surveys/analytics?survey_id=${survey.id}`);
  expect(analytics.status).toBe(200);
  expect(analytics.body.questions.length).toBe(5);
  const reviews = (await api.get<Page<{ status: string; testimonial: boolean }>>('/api/surveys/reviews')).body.items;
  expect(reviews.map((r) => r.status).sort()).toEqual(['approved', 'approved', 'pending']);
  const site = await client(h.baseUrl).get<Page<unknown>>(`/api/surveys/public/${tenantId}/testimonials`);
  expect(site.body.items).toHaveLength(1);
  const page = await fetch(`${first.links.survey}?lang=de`);
  expect(page.status).toBe(200);
  expect(await page.text()).toContain('Wie war der Sound?');

  // Groups: a leader's group with its roster, split payments partly made, the deadline workflow waiting.
  const groups = await api.get<Page<{ id: number; name: string }>>(`/api/groups/groups?event_id=${eventId}`);
  const groupId = Number(groups.body.items.find((g) => g.name === DEMO_GROUP)?.id);
  // The banner's link opens the leader's dashboard without a key.
  const leaderPage = await fetch(first.links.group ?? '');
  expect(leaderPage.status).toBe(200);
  expect(await leaderPage.text()).toContain(DEMO_GROUP);
  const group = await api.get<{ leader_customer_id: number; members: { paid: boolean }[]; owed_minor: number }>(
    `/api/groups/groups/${groupId}`,
  );
  expect(group.body.members).toHaveLength(12);
  expect(group.body.members.filter((m) => m.paid)).toHaveLength(7);
  expect(group.body.owed_minor).toBeGreaterThan(0);
  const payments = await api.get<Page<{ status: string }>>(`/api/groups/groups/${groupId}/payments`);
  expect(payments.body.items.map((p) => p.status)).toEqual(['succeeded', 'succeeded', 'succeeded', 'succeeded']);
  const deadline = await eventually(
    async () => {
      const r = await api.get<{ status: string; owing: number; deadline_at: string }>(
        `/api/groups/groups/${groupId}/deadline`,
      );
      return r.status === 200 && r.body.owing === 5 && r.body;
    },
    { what: 'the deadline workflow to count the five unpaid seats', timeoutMs: 30_000 },
  );
  expect(deadline.status).toBe('collecting');
  expect(Date.parse(deadline.deadline_at)).toBeGreaterThan(Date.now() + 86_400_000);
  const quote = await api.post<{ percent_off: number }>('/api/groups/quotes', {
    event_id: eventId,
    seats: [{ ticket_type_id: general?.id, quantity: 12 }],
  });
  expect(quote.body.percent_off).toBe(10);

  // Streaming: a virtual ticket type, both streams listed, the pinned chat, playback and the viewer page.
  expect(types.map((t) => t.attendance)).toEqual(expect.arrayContaining(['virtual', 'both']));
  const streams = (
    await api.get<Page<{ id: number; provider: string; status: string }>>(`/api/streaming/streams?event_id=${eventId}`)
  ).body.items;
  expect(streams.map((s) => [s.provider, s.status]).sort()).toEqual([
    ['embed', 'scheduled'],
    ['native', 'scheduled'],
  ]);
  const viewer = new URL(first.links.viewer ?? '');
  const streamId = Number(viewer.pathname.split('/').pop());
  const chat = await api.get<{ pinned: { body: string } | null }>(`/api/streaming/streams/${streamId}/chat`);
  expect(chat.body.pinned?.body).toMatch(/^Welcome/);
  const asViewer = client(h.baseUrl, viewer.hash.replace('#token=', ''));
  const history = await asViewer.get<Page<{ author_role: string }>>(`/api/streaming/streams/${streamId}/chat/messages`);
  expect(history.body.items.map((m) => m.author_role)).toEqual(['moderator', 'viewer', 'viewer', 'viewer']);
  const playback = await asViewer.post<{ url: string; token: string }>(`/api/streaming/streams/${streamId}/playback`);
  expect(playback.status).toBe(200);
  expect(playback.body.url).toContain(`/api/streaming/streams/${streamId}/hls/index.m3u8?token=`);
  expect((await fetch(viewer.href)).status).toBe(200);

  const seeded = await counts(api, eventId, survey.id, groupId, streamId);
  const second = await seed();
  expect(second.failed).toEqual([]);
  expect(second.links.survey).toBe(first.links.survey);
  expect(second.links.group).toBe(first.links.group);
  expect(await counts(api, eventId, survey.id, groupId, streamId)).toEqual(seeded);
}, 240_000);
