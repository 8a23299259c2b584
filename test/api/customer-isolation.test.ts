import { randomBytes } from 'node:crypto';
import { createHarness, client, eventually, type ApiClient, type Harness, type HttpResult } from '../helpers/harness';
import { createOnSaleEvent, createTenantWithKey, type TenantFixture } from '../helpers/fixtures';
import { operationsOf, type JsonSchema, type OpenApiDoc } from '../helpers/openapi';
import { makeWalletTestKeys, walletEnv, type WalletTestKeys } from '../helpers/wallet';
import { storeSeasonAllocation } from '../helpers/season';

/**
 * What B's call must answer: `not_found` (404) for a route whose path names one of A's rows;
 * `refused` (404 or 422, and nothing written) for a change whose body names A's rows; `no_leak`
 * (2xx, and nothing of A's in the body) for a read of something every customer may see or of the
 * caller's own rows.
 */
type Expectation = 'not_found' | 'refused' | 'no_leak';

interface SweepCase {
  route: string;
  method: string;
  url: string;
  body?: unknown;
  expectation: Expectation;
  /** The route addresses a row by path: A's own token must be able to read it (the control). */
  byId: boolean;
}

interface AIds {
  customer: number;
  event: number;
  ticketType: number;
  order: number;
  tickets: number[];
  waitlistEntry: number;
  listing: number;
  refundRequest: number;
  priceQuote: number;
  seasonPackage: number;
  seasonSubscription: number;
  seasonAllocation: number;
  surveyReview: number;
  upsellProduct: number;
  upsellLine: number;
  upsellPayment: number;
  group: number;
  groupMember: number;
  groupOrder: number;
  stream: number;
  chatMessage: number;
}

/**
 * The resale marketplace: an active listing is an offer to every customer of the tenant, so another
 * customer may read it and buy it for themself, never for its seller, and never see the seller's
 * e-mail or the ticket's code. Every other route that names one of A's rows answers B with 404.
 */
const PUBLIC_OFFERS = new Set([
  'get /api/resale/listings',
  'get /api/resale/listings/{id}',
  'post /api/resale/listings/{id}/purchase',
]);

let h: Harness;
let keys: WalletTestKeys;
let t: TenantFixture;
let doc: OpenApiDoc;
let a: ApiClient;
let b: ApiClient;
let aIds: AIds;
let bCustomer: number;
/** Strings only A's own data contains: none of them may reach B. */
let secrets: string[];
let cases: SweepCase[];

const suffix = randomBytes(4).toString('hex');

function expectStatus<T>(res: HttpResult<T>, status: number, what: string): T {
  if (res.status !== status) throw new Error(`${what}: ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
  return res.body;
}

async function mintToken(customerId: number): Promise<ApiClient> {
  const res = await t.api.post<{ token: string }>(`/api/customers/${customerId}/tokens`, {});
  return client(h.baseUrl, expectStatus(res, 201, 'customer token').token);
}

/** Which of A's ids a property, query or path parameter name stands for. */
function idNamed(name: string): number {
  const byName: Record<string, number> = {
    customer_id: aIds.customer,
    seller_customer_id: aIds.customer,
    buyer_customer_id: aIds.customer,
    event_id: aIds.event,
    ticket_type_id: aIds.ticketType,
    order_id: aIds.order,
    ticket_id: aIds.tickets[0],
    entry_id: aIds.waitlistEntry,
    listing_id: aIds.listing,
    request_id: aIds.refundRequest,
    refund_request_id: aIds.refundRequest,
    package_id: aIds.seasonPackage,
    subscription_id: aIds.seasonSubscription,
    allocation_id: aIds.seasonAllocation,
    product_id: aIds.upsellProduct,
    offer_id: aIds.upsellProduct,
    leader_customer_id: aIds.customer,
    member_id: aIds.groupMember,
    reply_to_id: aIds.chatMessage,
    message_id: aIds.chatMessage,
  };
  const id = byName[name];
  if (id === undefined) throw new Error(`No id of customer A known for "${name}": extend idNamed`);
  return id;
}

/**
 * Which of A's ids the `{id}` of a path names, and whether that row is A's own or the tenant's
 * catalogue (events and their ticket types and policies), which every customer may read.
 */
function pathTarget(path: string): { id: number; own: boolean } {
  if (path.startsWith('/api/events/') || path.startsWith('/api/waitlist/events/'))
    return { id: aIds.event, own: false };
  if (path.startsWith('/api/ticket-types/')) return { id: aIds.ticketType, own: false };
  if (
    path.startsWith('/api/customers/') ||
    path.startsWith('/api/resale/sellers/') ||
    path.startsWith('/api/crm/customers/')
  )
    return { id: aIds.customer, own: true };
  if (path.startsWith('/api/orders/')) return { id: aIds.order, own: true };
  if (path.startsWith('/api/tickets/') || path.startsWith('/api/wallet/ticket/'))
    return { id: aIds.tickets[0], own: true };
  if (path.startsWith('/api/waitlist/')) return { id: aIds.waitlistEntry, own: true };
  if (path.startsWith('/api/resale/listings/')) return { id: aIds.listing, own: true };
  if (path.startsWith('/api/refund-requests/')) return { id: aIds.refundRequest, own: true };
  if (path.startsWith('/api/pricing/quotes/')) return { id: aIds.priceQuote, own: true };
  if (path.startsWith('/api/season/packages/')) return { id: aIds.seasonPackage, own: false };
  if (path.startsWith('/api/season/subscriptions/')) return { id: aIds.seasonSubscription, own: true };
  if (path.startsWith('/api/season/allocations/')) return { id: aIds.seasonAllocation, own: true };
  if (path.startsWith('/api/upsells/orders/')) return { id: aIds.order, own: true };
  if (path.startsWith('/api/upsells/tickets/')) return { id: aIds.tickets[0], own: true };
  if (path.startsWith('/api/upsells/payments/')) return { id: aIds.upsellPayment, own: true };
  if (path.startsWith('/api/upsells/lines/')) return { id: aIds.upsellLine, own: true };
  if (path.startsWith('/api/surveys/reviews/')) return { id: aIds.surveyReview, own: true };
  if (path.startsWith('/api/groups/groups/')) return { id: aIds.group, own: true };
  if (path.startsWith('/api/streaming/streams/')) return { id: aIds.stream, own: false };
  throw new Error(`No id of customer A known for ${path}: extend pathTarget`);
}

function resolve(schema: JsonSchema): JsonSchema {
  if (!schema.$ref) return schema;
  const name = schema.$ref.replace('#/components/schemas/', '');
  const found = doc.components?.schemas?.[name];
  if (!found) throw new Error(`Unresolved ${schema.$ref}`);
  return resolve(found);
}

const namesARow = (name: string): boolean => /_ids?$/.test(name);

/**
 * A value that passes the request schema: A's id for every `*_id` (a list of one for `*_ids`),
 * otherwise the first enum value, the least allowed number, a short string. Objects get their
 * required properties and every property that names a row, so that the body points at A's rows.
 */
function sample(raw: JsonSchema, name: string): unknown {
  const schema = resolve(raw);
  // A uuid names something nobody shares (a viewer session): one that exists for no customer.
  if (name.endsWith('_id') && schema.format === 'uuid') return '00000000-0000-4000-8000-000000000000';
  // A string id (an upsell offer id) takes the same id, written as a string.
  if (name.endsWith('_id')) return schema.type === 'string' ? String(idNamed(name)) : idNamed(name);
  const type = Array.isArray(schema.type) ? schema.type.find((x) => x !== 'null') : schema.type;
  if (name.endsWith('_ids')) {
    const id = idNamed(name.slice(0, -1));
    return type === 'array' ? [id] : String(id);
  }
  const variants = schema.anyOf ?? schema.oneOf ?? schema.allOf;
  if (variants?.length) return sample(variants.find((v) => resolve(v).type !== 'null') ?? variants[0], name);
  if (schema.const !== undefined) return schema.const;
  if (schema.enum?.length) return schema.enum[0];
  if (schema.default !== undefined) return schema.default;
  switch (type) {
    case 'integer':
    case 'number':
      return Math.max(1, schema.minimum ?? 1);
    case 'boolean':
      return false;
    case 'array':
      return Array.from({ length: Math.max(1, schema.minItems ?? 1) }, () => sample(schema.items ?? {}, ''));
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const [key, prop] of Object.entries(schema.properties ?? {})) {
        if (schema.required?.includes(key) || namesARow(key)) out[key] = sample(prop, key);
      }
      return out;
    }
    case 'string':
      if (schema.format === 'email') return `probe-${suffix}@b.example`;
      if (schema.format === 'date-time') return new Date(Date.now() + 86_400_000).toISOString();
      return 'probe'.padEnd(schema.minLength ?? 0, 'x');
    default:
      return 'probe';
  }
}

/**
 * Calls any customer may make in the tenant's shared spaces, judged like reads (2xx, nothing of A's shown): a group
 * quote prices the catalogue; a stream's chat is one room for every ticket holder of the event.
 */
const SHARED = new Set(['post /api/groups/quotes', 'post /api/streaming/streams/{id}/chat/messages']);

/** Bodies the generic sample cannot build (one of two optional fields is required), pointing at A's rows. */
const bodyOf = (route: string): unknown =>
  ({
    'post /api/groups/groups/{id}/orders': {
      members: [{ name: 'Probe', email: `probe-${suffix}@b.example`, ticket_type_id: aIds.ticketType }],
    },
  })[route];

/** One call per customer-token operation of the document, addressed at A's rows. */
function buildCases(): SweepCase[] {
  const out: SweepCase[] = [];
  for (const { path, method, op } of operationsOf(doc)) {
    if (!op.security?.some((s) => 'customerToken' in s)) continue;
    const route = `${method} ${path}`;
    const params = op.parameters ?? [];
    const target = path.includes('{') ? pathTarget(path) : undefined;
    const url = path.replace(/\{(\w+)\}/g, (_, name: string) =>
      String(name !== 'id' && namesARow(name) ? idNamed(name) : target?.id),
    );
    const query = new URLSearchParams();
    for (const p of params) {
      if (p.in !== 'query') continue;
      if (namesARow(p.name) || p.required) query.set(p.name, String(sample(p.schema ?? {}, p.name)));
    }
    const schema = op.requestBody?.content?.['application/json']?.schema;
    const readOnly = method === 'get' || SHARED.has(route);
    const expectation: Expectation =
      target?.own && !PUBLIC_OFFERS.has(route) ? 'not_found' : readOnly ? 'no_leak' : 'refused';
    out.push({
      route,
      method,
      url: query.toString() ? `${url}?${query.toString()}` : url,
      body: bodyOf(route) ?? (schema ? sample(schema, '') : undefined),
      expectation,
      byId: readOnly && target !== undefined,
    });
  }
  return out;
}

/** Objects in a response that belong to A; on a public-offer route, A's listing itself is allowed. */
function rowsOfA(value: unknown, route: string, found: string[] = []): string[] {
  if (Array.isArray(value)) {
    for (const v of value) rowsOfA(v, route, found);
  } else if (value !== null && typeof value === 'object') {
    const row = value as Record<string, unknown>;
    const owner = ['customer_id', 'seller_customer_id', 'buyer_customer_id'].some((k) => row[k] === aIds.customer);
    const offer = PUBLIC_OFFERS.has(route) && row.id === aIds.listing && row.seller_customer_id === aIds.customer;
    if ((owner || row.order_id === aIds.order) && !offer) found.push(JSON.stringify(row).slice(0, 200));
    for (const v of Object.values(row)) rowsOfA(v, route, found);
  }
  return found;
}

function judge(c: SweepCase, res: HttpResult<unknown>): string | undefined {
  const text = typeof res.body === 'string' ? res.body : JSON.stringify(res.body ?? '');
  const shown = text.slice(0, 300).replace(/[^\x20-\x7e]/g, '?');
  const answer = `${c.method.toUpperCase()} ${c.url} -> ${res.status} ${shown}`;
  const leaked = secrets.filter((s) => text.includes(s));
  if (leaked.length) return `${answer}: shows A's ${leaked.join(', ')}`;
  if (c.expectation === 'not_found' && res.status !== 404) return `${answer}: expected 404`;
  if (c.expectation === 'refused' && res.status !== 404 && res.status !== 422) return `${answer}: expected 404 or 422`;
  if (c.expectation === 'no_leak') {
    if (res.status < 200 || res.status >= 300) return `${answer}: expected 2xx`;
    const rows = rowsOfA(res.body, c.route);
    if (rows.length) return `${answer}: shows A's rows ${rows.join('; ')}`;
  }
  return undefined;
}

interface Row {
  id: number;
  status: string;
}

interface StateOfA {
  counts: Record<string, number>;
  customer: unknown[];
  orders: Row[];
  tickets: Row[];
  waitlist: Row[];
  listings: Row[];
  refunds: Row[];
  credit: unknown[];
}

/** A's rows as the owner role sees them, in the columns that say whether anything was done to them, and row counts. */
async function stateOfA(): Promise<StateOfA> {
  const c = aIds.customer;
  const tables = ['orders', 'tickets', 'waitlist_entries', 'resale_listings', 'refund_requests'];
  const counts: Record<string, number> = {};
  for (const table of tables) {
    const [{ count }] = await h
      .owner(table)
      .where({ tenant_id: t.tenantId })
      .count<{ count: string }[]>({ count: '*' });
    counts[table] = Number(count);
  }
  return {
    counts,
    customer: await h.owner('customers').where({ id: c }).select('email', 'name', 'phone'),
    orders: await h.owner('orders').where({ customer_id: c }).orderBy('id').select('id', 'status', 'total_minor'),
    tickets: await h
      .owner('tickets')
      .where({ customer_id: c })
      .orderBy('id')
      .select('id', 'status', 'code', 'holder_name', 'holder_email', 'section', 'seat'),
    waitlist: await h
      .owner('waitlist_entries')
      .where({ customer_id: c })
      .orderBy('id')
      .select('id', 'status', 'quantity'),
    listings: await h
      .owner('resale_listings')
      .where({ seller_customer_id: c })
      .orWhere({ buyer_customer_id: c })
      .orderBy('id')
      .select('id', 'status', 'asking_price_minor', 'buyer_customer_id'),
    refunds: await h
      .owner('refund_requests')
      .where({ customer_id: c })
      .orderBy('id')
      .select('id', 'status', 'type', 'decided_by', 'refund_amount_minor'),
    credit: await h.owner('store_credit_entries').where({ customer_id: c }).orderBy('id').select('id', 'amount_minor'),
  };
}

beforeAll(async () => {
  keys = makeWalletTestKeys();
  // Wallet passes are configured so that A's own token gets its passes in the control below.
  h = await createHarness({ worker: true, env: walletEnv(keys) });
  t = await createTenantWithKey(h, 'Customer isolation');
  // Room for a second ticket type beside the fixture's 100 seats.
  const f = await createOnSaleEvent(t, { capacity: 200 });
  const balcony = expectStatus(
    await t.api.post<{ id: number }>(`/api/events/${f.eventId}/ticket-types`, {
      name: 'Balcony',
      price_minor: 6000,
      currency: 'EUR',
      inventory: 10,
    }),
    201,
    'second ticket type',
  );
  const aEmail = `ada-${suffix}@isolation.example`;
  const aName = `Ada Isolation ${suffix}`;
  const ada = expectStatus(
    await t.api.post<{ id: number }>('/api/customers', { email: aEmail, name: aName, phone: `+49 30 ${suffix}` }),
    201,
    'customer A',
  );
  const bob = expectStatus(
    await t.api.post<{ id: number }>('/api/customers', { email: `bob-${suffix}@isolation.example`, name: 'Bob' }),
    201,
    'customer B',
  );
  bCustomer = bob.id;
  a = await mintToken(ada.id);
  b = await mintToken(bob.id);

  // B owns something too, so that B's lists have rows and an empty list proves nothing.
  expectStatus(
    await b.post('/api/orders', { event_id: f.eventId, items: [{ ticket_type_id: f.ticketTypeId, quantity: 1 }] }),
    201,
    "B's order",
  );

  // A's things, made with A's own token where a customer may make them.
  const placed = expectStatus(
    await a.post<{ id: number }>('/api/orders', {
      event_id: f.eventId,
      items: [{ ticket_type_id: f.ticketTypeId, quantity: 2 }],
    }),
    201,
    "A's order",
  );
  const order = await eventually(
    async () => {
      const res = await a.get<{
        id: number;
        status: string;
        order_number: string;
        tickets: { id: number; code: string }[];
      }>(`/api/orders/${placed.id}`);
      return res.body.status === 'paid' && res.body.tickets.length === 2 && res.body;
    },
    { what: "A's order to be paid and its tickets issued" },
  );
  expectStatus(await t.api.put(`/api/waitlist/events/${f.eventId}`, { open: true }), 200, 'open the waitlist');
  // A different ticket type from the listed ticket's, so the listing makes no offer to A's entry.
  const entry = expectStatus(
    await a.post<{ id: number }>('/api/waitlist/join', { event_id: f.eventId, ticket_type_id: balcony.id }),
    201,
    "A's waitlist entry",
  );
  expectStatus(
    await t.api.put('/api/modules/waitlist', { settings: { min_listing_age_s: 0, require_verified_seller: false } }),
    200,
    'waitlist settings',
  );
  const listing = expectStatus(
    await a.post<{ id: number }>('/api/resale/list', { ticket_id: order.tickets[0].id, asking_price_minor: 4500 }),
    201,
    "A's listing",
  );
  const reason = `Ada cannot come ${suffix}`;
  const refund = expectStatus(
    await a.post<{ id: number; status: string }>('/api/refund-requests', {
      order_id: order.id,
      ticket_ids: [order.tickets[1].id],
      type: 'refund',
      reason,
    }),
    201,
    "A's refund request",
  );
  expect(refund.status).toBe('pending');

  const quote = expectStatus(
    await t.api.post<{ id: number }>('/api/pricing/quotes', { event_id: f.eventId, customer_id: ada.id }),
    201,
    'price quote',
  );
  // A's season subscription and its allocation for the event, stored directly (the season tests cover how they are made).
  const season = await storeSeasonAllocation(h, {
    tenantId: t.tenantId,
    customerId: ada.id,
    eventId: f.eventId,
    ticketTypeId: f.ticketTypeId,
  });
  // A's add-on bought after purchase: its line and its payment.
  const product = expectStatus(
    await t.api.post<{ id: number }>('/api/upsells/products', {
      type: 'addon',
      name: 'Parking',
      price_minor: 1500,
      currency: 'EUR',
    }),
    201,
    'upsell product',
  );
  const addOn = expectStatus(
    await a.post<{ upsells: { id: number }[]; upsell_payments: { id: number }[] }>(
      `/api/upsells/orders/${order.id}/add-ons`,
      { items: [{ product_id: product.id, quantity: 1 }] },
    ),
    201,
    "A's add-on",
  );
  // A's review of the event, stored directly (leaving one needs a check-in: test/surveys/reviews.test.ts).
  const [review] = await h
    .owner('survey_reviews')
    .insert({
      tenant_id: t.tenantId,
      event_id: f.eventId,
      customer_id: ada.id,
      ticket_id: order.tickets[0].id,
      checked_in_at: new Date(),
      rating: 5,
      body: 'Ada review',
      reviewer_name: aName,
    })
    .returning('id');
  const group = expectStatus(
    await t.api.post<{ id: number }>('/api/groups/groups', {
      event_id: f.eventId,
      leader_customer_id: ada.id,
      name: 'Ada group',
      seats: [{ ticket_type_id: f.ticketTypeId, quantity: 2 }],
    }),
    201,
    'group',
  );
  const ordered = expectStatus(
    await t.api.post<{ group: { order_id: number; members: { id: number }[] } }>(
      `/api/groups/groups/${group.id}/orders`,
      {
        members: [1, 2].map((i) => ({
          name: `Ada ${i}`,
          email: `ada${i}@example.com`,
          ticket_type_id: f.ticketTypeId,
        })),
      },
    ),
    201,
    'group order',
  );
  // The event is hybrid, so its ticket holders (A and B) may watch its streams and read their chat.
  expectStatus(await t.api.patch(`/api/ticket-types/${f.ticketTypeId}`, { attendance: 'both' }), 200, 'hybrid type');
  const stream = expectStatus(
    await t.api.post<{ id: number }>('/api/streaming/streams', {
      event_id: f.eventId,
      name: 'Main stage',
      provider: 'native',
      scheduled_start_at: new Date(Date.now() + 3_600_000).toISOString(),
    }),
    201,
    'stream',
  );
  // A message in the stream's chat, posted by staff: replies and reactions name it.
  const chatMessage = expectStatus(
    await t.api.post<{ id: number }>(`/api/streaming/streams/${stream.id}/chat/messages`, { body: 'Welcome' }),
    201,
    'chat message',
  );
  aIds = {
    group: group.id,
    chatMessage: chatMessage.id,
    groupMember: ordered.group.members[0].id,
    groupOrder: ordered.group.order_id,
    stream: stream.id,
    surveyReview: review.id,
    upsellProduct: product.id,
    upsellLine: addOn.upsells[0].id,
    upsellPayment: addOn.upsell_payments[0].id,
    seasonPackage: season.packageId,
    seasonSubscription: season.subscriptionId,
    seasonAllocation: season.allocationId,
    priceQuote: quote.id,
    customer: ada.id,
    event: f.eventId,
    ticketType: f.ticketTypeId,
    order: order.id,
    tickets: order.tickets.map((x) => x.id),
    waitlistEntry: entry.id,
    listing: listing.id,
    refundRequest: refund.id,
  };
  secrets = [aEmail, aName, `+49 30 ${suffix}`, reason, order.order_number, ...order.tickets.map((x) => x.code)];
  doc = (await client(h.baseUrl).get<OpenApiDoc>('/openapi.json')).body;
  cases = buildCases();
});
afterAll(async () => {
  await h?.stop();
  keys?.cleanup();
});

describe('customer isolation', () => {
  it("answers customer B's token with 404 or a refusal on every customer route that names A's rows", async () => {
    const kinds = (e: Expectation) => cases.filter((c) => c.expectation === e).length;
    console.info(
      `customer sweep: ${cases.length} generated cases (${kinds('not_found')} by path, ` +
        `${kinds('refused')} by body, ${kinds('no_leak')} reads)`,
    );
    expect(cases.length).toBeGreaterThan(10);
    expect(kinds('not_found')).toBeGreaterThan(5);
    expect(kinds('refused')).toBeGreaterThan(2);
    expect(kinds('no_leak')).toBeGreaterThan(2);

    const before = await stateOfA();
    const failures: string[] = [];
    for (const c of cases) {
      const res = await b.request<unknown>(c.method.toUpperCase(), c.url, c.body);
      const failure = judge(c, res);
      if (failure) failures.push(failure);
    }
    expect(failures).toEqual([]);

    // Nothing of A's changed, and no refused call wrote a row.
    const after = await stateOfA();
    expect(after).toEqual(before);
    expect(after.orders).toEqual([
      expect.objectContaining({ id: aIds.order, status: 'paid' }),
      expect.objectContaining({ id: aIds.groupOrder, status: 'pending' }),
    ]);
    expect(after.listings).toEqual([expect.objectContaining({ id: aIds.listing, status: 'active' })]);
    expect(after.waitlist).toEqual([expect.objectContaining({ id: aIds.waitlistEntry, status: 'waiting' })]);
    expect(after.refunds).toEqual([expect.objectContaining({ id: aIds.refundRequest, status: 'pending' })]);
  });

  it("the same reads with A's own token succeed, so the sweep is not passing on broken calls", async () => {
    const reads = cases.filter((c) => c.byId);
    expect(reads.length).toBeGreaterThan(5);
    const failures: string[] = [];
    for (const c of reads) {
      const res = await a.request<unknown>('GET', c.url);
      if (res.status < 200 || res.status >= 300)
        failures.push(`GET ${c.url} -> ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
    }
    expect(failures).toEqual([]);
    // B's token works too: B reads its own customer record and sees its own order.
    expect((await b.get<{ id: number }>('/api/me')).body.id).toBe(bCustomer);
    expect((await b.get<{ items: unknown[] }>('/api/orders')).body.items).toHaveLength(1);
  });
});
