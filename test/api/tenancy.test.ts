import { withTenant } from '../../db/connection';
import { createHarness, client, type Harness } from '../helpers/harness';
import { createOnSaleEvent, createTenantWithKey, type TenantFixture } from '../helpers/fixtures';
import { storeSeasonAllocation } from '../helpers/season';

let h: Harness;
let a: TenantFixture;
let b: TenantFixture;
const bIds: Record<string, number> = {};
let bCode: string;
let bOfferId: string;

/** Every table with a tenant_id column, read from the catalogue so a new table cannot be forgotten. */
async function tenantTables(): Promise<string[]> {
  const { rows } = await h.owner.raw(
    "select table_name from information_schema.columns where table_schema = 'public' and column_name = 'tenant_id' order by 1",
  );
  return rows.map((r: { table_name: string }) => r.table_name);
}

beforeAll(async () => {
  h = await createHarness({ worker: true });
  a = await createTenantWithKey(h, 'Tenant A');
  b = await createTenantWithKey(h, 'Tenant B');
  await createOnSaleEvent(a);
  const f = await createOnSaleEvent(b);
  const order = await b.api.post<{ id: number; tickets: { id: number; code: string }[] }>(
    '/api/orders',
    { event_id: f.eventId, customer_id: f.customerId, items: [{ ticket_type_id: f.ticketTypeId, quantity: 1 }] },
    { 'idempotency-key': 'b-order' },
  );
  expect(order.status).toBe(201);
  const key = await b.api.post<{ id: number }>('/api/keys', { name: 'second', scopes: ['read'] });
  await b.api.put(`/api/waitlist/events/${f.eventId}`, { open: true });
  const entry = await b.api.post<{ id: number }>('/api/waitlist/join', {
    event_id: f.eventId,
    ticket_type_id: f.ticketTypeId,
    customer_id: f.customerId,
  });
  await b.api.put('/api/modules/waitlist', { settings: { min_listing_age_s: 0, require_verified_seller: false } });
  const listing = await b.api.post<{ id: number }>('/api/resale/list', {
    ticket_id: order.body.tickets[0].id,
    asking_price_minor: 100,
  });
  expect([entry.status, listing.status]).toEqual([201, 201]);
  const refund = await b.api.post<{ id: number }>('/api/refund-requests', { order_id: order.body.id, type: 'refund' });
  expect(refund.status).toBe(201);
  const endpoint = await b.api.post<{ id: number }>('/api/webhooks/endpoints', {
    url: 'https://hooks.tenant-b.example/usher',
    event_types: ['none.such'],
  });
  const outbox = await h.owner('outbox').where({ tenant_id: b.tenantId }).first('id');
  const [delivery] = await h
    .owner('webhook_deliveries')
    .insert({
      tenant_id: b.tenantId,
      endpoint_id: endpoint.body.id,
      outbox_id: outbox.id,
      event_type: 'none.such',
      payload: '{}',
    })
    .returning('id');
  Object.assign(bIds, {
    event: f.eventId,
    ticketType: f.ticketTypeId,
    customer: f.customerId,
    order: order.body.id,
    ticket: order.body.tickets[0].id,
    key: key.body.id,
    waitlistEntry: entry.body.id,
    listing: listing.body.id,
    webhookEndpoint: endpoint.body.id,
    webhookDelivery: delivery.id,
    refundRequest: refund.body.id,
  });
  const gate = await b.api.post<{ id: number }>('/api/checkin/gates', { event_id: f.eventId, name: 'B gate' });
  const device = await b.api.post<{ id: number }>('/api/checkin/devices/register', {
    event_id: f.eventId,
    device_name: 'B scanner',
    device_uuid: 'b-1',
    gate_id: gate.body.id,
  });
  const automation = await b.api.post<{ id: number }>('/api/crm/automations', {
    name: 'B automation',
    trigger_type: 'manual',
    steps: [{ action_type: 'wait', action_config: { duration: 60 } }],
  });
  expect(automation.status).toBe(201);
  bIds.crmAutomation = automation.body.id;
  const segment = await b.api.post<{ id: number }>('/api/crm/segments', {
    name: 'B segment',
    rules: { conditions: [{ field: 'total_orders', operator: '>=', value: 0 }] },
    is_dynamic: false,
  });
  expect(segment.status).toBe(201);
  bIds.crmSegment = segment.body.id;
  const template = await b.api.post<{ id: number }>('/api/crm/templates', {
    name: 'B template',
    subject: 'Hi',
    mjml: '<mjml><mj-body><mj-section><mj-column><mj-text>B</mj-text></mj-column></mj-section></mj-body></mjml>',
  });
  expect(template.status).toBe(201);
  bIds.crmTemplate = template.body.id;
  const campaign = await b.api.post<{ id: number }>('/api/crm/campaigns', {
    name: 'B campaign',
    segment_id: segment.body.id,
    template_id: template.body.id,
  });
  expect(campaign.status).toBe(201);
  bIds.crmCampaign = campaign.body.id;
  const siteToken = await b.api.post<{ id: number }>('/api/analytics/site-tokens', { name: 'B site' });
  expect(siteToken.status).toBe(201);
  bIds.analyticsSiteToken = siteToken.body.id;
  // Pricing: a quote and a price test of B's ticket type.
  const bQuote = await b.api.post<{ id: number }>('/api/pricing/quotes', {
    event_id: f.eventId,
    customer_id: f.customerId,
  });
  const bTest = await b.api.post<{ id: number }>('/api/pricing/tests', {
    ticket_type_id: f.ticketTypeId,
    prices_minor: [100, 200],
    sample_size: 10,
  });
  expect([bQuote.status, bTest.status]).toEqual([201, 201]);
  Object.assign(bIds, { priceQuote: bQuote.body.id, priceTest: bTest.body.id });
  const bRule = await b.api.post<{ id: number }>('/api/pricing/rules', {
    ticket_type_id: f.ticketTypeId,
    strategy: 'manual',
    rules: { price: 45 },
    status: 'paused',
  });
  bIds.priceRule = bRule.body.id;
  // Surveys: a response rule, and a review stored directly (leaving one needs a check-in).
  const bSurveyRule = await b.api.post<{ id: number }>('/api/surveys/rules', {
    name: 'B rule',
    nps_max: 6,
    actions: [{ type: 'webhook_alert' }],
  });
  expect(bSurveyRule.status).toBe(201);
  const [bReview] = await h
    .owner('survey_reviews')
    .insert({
      tenant_id: b.tenantId,
      event_id: f.eventId,
      customer_id: f.customerId,
      ticket_id: order.body.tickets[0].id,
      checked_in_at: new Date(),
      rating: 4,
      body: 'B review',
      reviewer_name: 'B',
    })
    .returning('id');
  Object.assign(bIds, { surveyRule: bSurveyRule.body.id, surveyReview: bReview.id });
  const bSurvey = await b.api.post<{ id: number }>('/api/surveys/surveys', {
    name: 'B survey',
    questions: [{ id: 'nps', type: 'nps', text: 'Recommend us?' }],
  });
  const bSurveyResponse = await b.api.post<{ id: number }>(`/api/surveys/surveys/${bSurvey.body.id}/responses`, {
    answers: { nps: 9 },
  });
  expect(bSurveyResponse.status).toBe(201);
  Object.assign(bIds, { survey: bSurvey.body.id, surveyResponse: bSurveyResponse.body.id });
  // Upsells: an add-on bought after purchase on B's order, with its line and payment.
  const bProduct = await b.api.post<{ id: number }>('/api/upsells/products', {
    type: 'addon',
    name: 'B parking',
    price_minor: 500,
    currency: 'EUR',
  });
  const bAddOn = await b.api.post<{ upsells: { id: number }[]; upsell_payments: { id: number }[] }>(
    `/api/upsells/orders/${order.body.id}/add-ons`,
    { items: [{ product_id: bProduct.body.id, quantity: 1 }] },
  );
  expect([bProduct.status, bAddOn.status]).toEqual([201, 201]);
  Object.assign(bIds, { upsellLine: bAddOn.body.upsells[0].id, upsellPayment: bAddOn.body.upsell_payments[0].id });
  const bUpsellRule = await b.api.post<{ id: number }>('/api/upsells/rules', {
    product_id: bProduct.body.id,
    rule_type: 'always',
  });
  const bOffers = await b.api.get<{ offers: { offer_id: string }[] }>(
    `/api/upsells/offers?location=cart&event_id=${f.eventId}`,
  );
  expect([bUpsellRule.status, bOffers.body.offers.length]).toEqual([201, 1]);
  Object.assign(bIds, { upsellProduct: bProduct.body.id, upsellRule: bUpsellRule.body.id });
  bOfferId = bOffers.body.offers[0].offer_id;
  // Season: a package, a subscription and an allocation of B's event, stored directly.
  const season = await storeSeasonAllocation(h, {
    tenantId: b.tenantId,
    customerId: f.customerId,
    name: 'B season',
    eventId: f.eventId,
    ticketTypeId: f.ticketTypeId,
  });
  Object.assign(bIds, {
    seasonPackage: season.packageId,
    seasonSubscription: season.subscriptionId,
    seasonAllocation: season.allocationId,
  });
  // Groups: a group B holds for its customer.
  const bGroup = await b.api.post<{ id: number }>('/api/groups/groups', {
    event_id: f.eventId,
    leader_customer_id: f.customerId,
    name: 'B group',
    seats: [{ ticket_type_id: f.ticketTypeId, quantity: 2 }],
  });
  expect(bGroup.status).toBe(201);
  bIds.group = bGroup.body.id;
  const bStream = await b.api.post<{ id: number }>('/api/streaming/streams', {
    event_id: f.eventId,
    name: 'B stage',
    provider: 'native',
    scheduled_start_at: new Date(Date.now() + 3_600_000).toISOString(),
  });
  expect(bStream.status).toBe(201);
  bIds.stream = bStream.body.id;
  bCode = order.body.tickets[0].code;
  Object.assign(bIds, {
    gate: gate.body.id,
    device: device.body.id,
    event: f.eventId,
    ticketType: f.ticketTypeId,
    customer: f.customerId,
    order: order.body.id,
    ticket: order.body.tickets[0].id,
    key: key.body.id,
  });
});
afterAll(() => h.stop());

/** Bodies that pass validation, so that only ownership decides the answer. */
const VALID_BODIES: Record<string, unknown> = {
  'post /api/events/{id}/ticket-types': { name: 'Probe', price_minor: 100, currency: 'EUR', inventory: 1 },
  'put /api/resale/listings/{id}/price': { asking_price_minor: 100 },
  'put /api/events/{id}/refund-policy': { rules: { windows: [] } },
  'post /api/events/{id}/cancel-refunds': { mode: 'refund' },
  'post /api/customers/{id}/store-credit': { amount_minor: 100, currency: 'EUR' },
  'post /api/checkin/gates/{id}/staff': { staff_ref: 'probe', name: 'Probe' },
  'post /api/crm/customers/{id}/consents': { granted: true, source: 'probe' },
  'post /api/crm/customers/{id}/tags': { add: ['probe'] },
  'post /api/crm/automations/{id}/enrolments': { customer_id: 1 },
  'patch /api/crm/templates/{id}': { name: 'Probe' },
  'post /api/crm/templates/{id}/preview': { customer_id: 1 },
  'patch /api/crm/campaigns/{id}': { name: 'Probe' },
  'post /api/crm/campaigns/{id}/winner': { variant: 'A' },
  'post /api/season/allocations/{id}/exchange': { event_id: 1 },
  'post /api/season/subscriptions/{id}/redeem': { event_id: 1, ticket_type_id: 1 },
  'put /api/season/subscriptions/{id}/seat': { section: 'A', row: '1', seat: '1' },
  'post /api/pricing/ticket-types/{id}/price': { price_minor: 100 },
  'post /api/season/subscriptions/{id}/pause': { resume_at: '2030-01-01T00:00:00Z' },
  'post /api/season/subscriptions/{id}/change-package': { package_id: 1 },
  'post /api/season/subscriptions/{id}/payments': { amount_minor: 100 },
  'post /api/surveys/reviews/{id}/moderation': { status: 'approved' },
  'post /api/surveys/surveys/{id}/responses': { answers: { nps: 9 } },
  'patch /api/surveys/responses/{id}': { answers: { nps: 9 } },
  // --- manual survey send (surveys) ---
  'post /api/surveys/surveys/{id}/sends': { event_id: 1 },
  // --- end manual survey send (surveys) ---
  'patch /api/upsells/products/{id}': { name: 'Probe' },
  'patch /api/upsells/rules/{id}': { priority: 1 },
  'post /api/upsells/orders/{id}/add-ons': { items: [{ product_id: 1, quantity: 1 }] },
  'post /api/upsells/tickets/{id}/upgrade': { product_id: 1 },
  'post /api/groups/groups/{id}/orders': {
    members: [{ name: 'Probe', email: 'probe@example.com', ticket_type_id: 1 }],
  },
  'post /api/streaming/streams/{id}/chat/messages': { body: 'Probe' },
  'post /api/streaming/streams/{id}/chat/sanctions': { customer_id: 1, kind: 'ban' },
  'post /api/groups/groups/{id}/payments': { member_ids: [1], payer: 'leader' },
  // --- roster (groups-roster) ---
  'post /api/groups/groups/{id}/members/{member_id}/reassign': { name: 'Probe', email: 'probe@example.com' },
  'post /api/groups/groups/{id}/messages': { subject: 'Probe', body: 'Probe' },
  // --- end roster (groups-roster) ---
};

/** Path parameters that name something of the caller's own (a module name), not another tenant's row. */
const NOT_A_RESOURCE_ID = new Set(['/api/modules/{module}']);

/** Which of tenant B's ids a path parameter of each route names. */
function idFor(path: string): number | string {
  if (path.startsWith('/api/checkin/events/')) return bIds.event;
  if (path.startsWith('/api/checkin/gates/')) return bIds.gate;
  if (path.startsWith('/api/checkin/devices/')) return bIds.device;
  if (path.startsWith('/api/checkin/ticket/')) return bCode;
  if (path.startsWith('/api/events/')) return bIds.event;
  if (path.startsWith('/api/ticket-types/')) return bIds.ticketType;
  if (path.startsWith('/api/customers/')) return bIds.customer;
  if (path.startsWith('/api/orders/')) return bIds.order;
  if (path.startsWith('/api/tickets/') || path.startsWith('/api/wallet/ticket/')) return bIds.ticket;
  if (path.startsWith('/api/keys/')) return bIds.key;
  if (path.startsWith('/api/waitlist/events/')) return bIds.event;
  if (path.startsWith('/api/waitlist/')) return bIds.waitlistEntry;
  if (path.startsWith('/api/resale/listings/')) return bIds.listing;
  if (path.startsWith('/api/resale/sellers/')) return bIds.customer;
  if (path.startsWith('/api/refund-requests/')) return bIds.refundRequest;
  if (path.startsWith('/api/webhooks/endpoints/')) return bIds.webhookEndpoint;
  if (path.startsWith('/api/webhooks/deliveries/')) return bIds.webhookDelivery;
  if (path.startsWith('/api/crm/customers/')) return bIds.customer;
  if (path.startsWith('/api/crm/automations/')) return bIds.crmAutomation;
  if (path.startsWith('/api/crm/segments/')) return bIds.crmSegment;
  if (path.startsWith('/api/crm/templates/')) return bIds.crmTemplate;
  if (path.startsWith('/api/crm/campaigns/')) return bIds.crmCampaign;
  if (path.startsWith('/api/analytics/events/')) return bIds.event;
  if (path.startsWith('/api/analytics/site-tokens/')) return bIds.analyticsSiteToken;
  if (path.startsWith('/api/season/allocations/')) return bIds.seasonAllocation;
  if (path.startsWith('/api/season/subscriptions/')) return bIds.seasonSubscription;
  if (path.startsWith('/api/season/packages/')) return bIds.seasonPackage;
  if (path.startsWith('/api/season/events/')) return bIds.event;
  if (path.startsWith('/api/pricing/quotes/')) return bIds.priceQuote;
  if (path.startsWith('/api/pricing/tests/')) return bIds.priceTest;
  if (path.startsWith('/api/pricing/rules/')) return bIds.priceRule;
  if (path.startsWith('/api/pricing/ticket-types/')) return bIds.ticketType;
  if (path.startsWith('/api/upsells/products/')) return bIds.upsellProduct;
  if (path.startsWith('/api/upsells/rules/')) return bIds.upsellRule;
  if (path.startsWith('/api/upsells/offers/')) return bOfferId;
  if (path.startsWith('/api/upsells/orders/')) return bIds.order;
  if (path.startsWith('/api/upsells/tickets/')) return bIds.ticket;
  if (path.startsWith('/api/upsells/payments/')) return bIds.upsellPayment;
  if (path.startsWith('/api/upsells/lines/')) return bIds.upsellLine;
  if (path.startsWith('/api/surveys/reviews/')) return bIds.surveyReview;
  if (path.startsWith('/api/surveys/rules/')) return bIds.surveyRule;
  if (path.startsWith('/api/surveys/surveys/')) return bIds.survey;
  if (path.startsWith('/api/surveys/responses/')) return bIds.surveyResponse;
  if (path.startsWith('/api/groups/groups/')) return bIds.group;
  if (path.startsWith('/api/streaming/streams/')) return bIds.stream;
  throw new Error(`No tenant-B id known for ${path}: extend idFor`);
}

describe('tenant isolation', () => {
  it("answers 404 to tenant A for every route that names one of tenant B's resources", async () => {
    const doc = (
      await client(h.baseUrl).get<{ paths: Record<string, Record<string, { security?: unknown[] }>> }>('/openapi.json')
    ).body;
    const checked: string[] = [];
    for (const [path, ops] of Object.entries(doc.paths)) {
      if (!path.includes('{') || NOT_A_RESOURCE_ID.has(path)) continue;
      for (const [method, op] of Object.entries(ops)) {
        if (!op.security?.length) continue;
        const url = path.replace(/\{\w+\}/g, String(idFor(path)));
        const body = method === 'get' || method === 'delete' ? undefined : (VALID_BODIES[`${method} ${path}`] ?? {});
        const res = await a.api.request(method.toUpperCase(), url, body);
        expect({ route: `${method} ${path}`, status: res.status === 400 ? 'validation' : res.status }).toEqual({
          route: `${method} ${path}`,
          status: 404,
        });
        checked.push(`${method} ${path}`);
      }
    }
    expect(checked.length).toBeGreaterThanOrEqual(10);
    // B still sees its own data.
    expect((await b.api.get(`/api/orders/${bIds.order}`)).status).toBe(200);
  });

  it("lists only the caller's own rows", async () => {
    const events = await a.api.get<{ items: { id: number }[] }>('/api/events');
    expect(events.body.items.map((e) => e.id)).not.toContain(bIds.event);
    const customers = await a.api.get<{ items: { id: number }[] }>('/api/customers');
    expect(customers.body.items.map((c) => c.id)).not.toContain(bIds.customer);
    const orders = await a.api.get<{ items: unknown[] }>('/api/orders');
    expect(orders.body.items).toHaveLength(0);
    const byOrder = await a.api.get<{ items: unknown[] }>(`/api/tickets?order_id=${bIds.order}`);
    expect(byOrder.body.items).toHaveLength(0);
  });

  it('an Idempotency-Key of another tenant is a different key', async () => {
    const f = await createOnSaleEvent(a);
    const res = await a.api.post(
      '/api/orders',
      { event_id: f.eventId, customer_id: f.customerId, items: [{ ticket_type_id: f.ticketTypeId, quantity: 1 }] },
      { 'idempotency-key': 'b-order' },
    );
    expect(res.status).toBe(201);
    expect(res.headers.get('idempotent-replayed')).toBeNull();
  });

  it('the application role sees no rows at all without the tenant setting, and only its tenant with it', async () => {
    const tables = await tenantTables();
    expect(tables.length).toBeGreaterThanOrEqual(15);
    for (const table of tables) {
      const { rows } = await h.owner.raw('select relrowsecurity from pg_class where oid = ?::regclass', [table]);
      expect({ table, rls: rows[0].relrowsecurity }).toEqual({ table, rls: true });
      const [{ count }] = await h.db(table).count<{ count: string }[]>({ count: '*' });
      expect({ table, count: Number(count) }).toEqual({ table, count: 0 });
    }
    expect(await h.db('tenants').select('id')).toHaveLength(0);
    const seen = await withTenant(h.db, a.tenantId, (tx) => tx('events').distinct('tenant_id'));
    expect(seen).toEqual([{ tenant_id: a.tenantId }]);
    await expect(
      withTenant(h.db, a.tenantId, (tx) =>
        tx('events').insert({
          tenant_id: b.tenantId,
          name: 'x',
          venue_name: 'x',
          timezone: 'UTC',
          starts_at: new Date(),
          ends_at: new Date(Date.now() + 1000),
          capacity: 1,
        }),
      ),
    ).rejects.toThrow(/row-level security/);
  });

  it('the application role is neither superuser nor owner of the tables', async () => {
    const { rows } = await h.db.raw('select rolsuper, rolbypassrls from pg_roles where rolname = current_user');
    expect(rows[0]).toEqual({ rolsuper: false, rolbypassrls: false });
    const owners = await h.owner.raw("select distinct tableowner from pg_tables where schemaname = 'public'");
    expect(owners.rows.map((r: { tableowner: string }) => r.tableowner)).not.toContain('usher_app');
  });
});

describe('credentials', () => {
  it('rejects missing, unknown and revoked keys with 401, and a too-narrow scope with 403', async () => {
    expect((await client(h.baseUrl).get('/api/events')).body).toMatchObject({ status: 401, code: 'unauthenticated' });
    expect((await client(h.baseUrl, 'usk_nope').get('/api/events')).body).toMatchObject({
      status: 401,
      code: 'invalid_credentials',
    });
    const created = await a.api.post<{ id: number; key: string }>('/api/keys', { name: 'reader', scopes: ['read'] });
    expect(created.status).toBe(201);
    const reader = client(h.baseUrl, created.body.key);
    expect((await reader.get('/api/events')).status).toBe(200);
    const write = await reader.post('/api/events', {});
    expect([write.status, write.body.code]).toEqual([403, 'insufficient_scope']);
    const list = await a.api.get<{ items: { id: number; key?: string }[] }>('/api/keys');
    expect(list.body.items.some((k) => 'key' in k)).toBe(false);
    expect((await a.api.delete(`/api/keys/${created.body.id}`)).status).toBe(200);
    expect((await reader.get('/api/events')).status).toBe(401);
    const stored = await h.owner('api_keys').where({ id: created.body.id }).first();
    expect(stored.key_hash).not.toContain(created.body.key);
  });

  it('answers problem+json with a stable code', async () => {
    const res = await a.api.get('/api/events/abc');
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(res.body).toMatchObject({
      code: 'validation_failed',
      errors: [expect.objectContaining({ path: 'params.id' })],
    });
  });
});
