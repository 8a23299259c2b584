import { createHarness, client, eventually, type HttpResult, type Harness } from '../helpers/harness';
import { createOnSaleEvent, createTenantWithKey, type TenantFixture } from '../helpers/fixtures';
import { newCustomer, setWaitlistSettings, soldOutEvent } from '../helpers/waitlist';
import { exampleOf, operationsOf, type OpenApiDoc, type Operation } from '../helpers/openapi';
import { MODULES } from '../../domain/platform/plans';
import { storeSeasonSubscription } from '../helpers/season';

/**
 * Every PUT of /openapi.json is "create or replace". Ten identical PUTs at once on a resource nobody
 * has written yet (a new tenant, event, customer, listing) race on the first write, and must answer
 * as one PUT would: the same 2xx and body each, and the rows one PUT leaves, not more.
 */

const CONCURRENCY = 10;

let h: Harness;
let doc: OpenApiDoc;

/** Body values a schema cannot tell, by route; everything else is generated from the schema. */
const BODY_VALUES: Record<string, Record<string, unknown>> = {
  'put /api/resale/sellers/{id}': { payout_account: 'acct_sweep' },
};

/** Each call records itself here by design, so ten calls leave ten rows. */
/**
 * Tables that record history rather than state: the audit log (one entry per request, by design),
 * and the daily forecast snapshots an event's own timer workflow writes whenever it wakes.
 */
const JOURNALS = new Set(['audit_log', 'analytics_event_forecasts']);

/** A new resource of the kind named by the path segment before `{id}`, in the case's own tenant. */
const FRESH: Record<string, (t: TenantFixture) => Promise<number>> = {
  events: async (t) => (await createOnSaleEvent(t)).eventId,
  // A seller profile is keyed by its customer.
  sellers: async (t) => (await newCustomer(h, t)).id,
  listings: newListing,
  subscriptions: newSeasonSubscription,
  // --- a held group, for its roster options (groups-roster) ---
  groups: async (t) => {
    const f = await createOnSaleEvent(t);
    const group = await t.api.post<{ id: number }>('/api/groups/groups', {
      event_id: f.eventId,
      leader_customer_id: f.customerId,
      name: 'Sweep group',
      seats: [{ ticket_type_id: f.ticketTypeId, quantity: 1 }],
    });
    return ok(group, 201, 'group').id;
  },
  // --- end a held group, for its roster options (groups-roster) ---
};

interface SweepCase {
  route: string;
  method: string;
  path: string;
  /** Path parameters with a value from their schema (an enum), and those that need a new resource. */
  fixed: Record<string, string>;
  fresh: Record<string, (t: TenantFixture) => Promise<number>>;
  body: unknown;
}

beforeAll(async () => {
  // Orders are paid by their workflow, so setting up a listing needs the worker.
  h = await createHarness({ worker: true });
  doc = (await client(h.baseUrl).get<OpenApiDoc>('/openapi.json')).body;
});
afterAll(() => h.stop());

function ok<T>(res: HttpResult<T>, status: number, what: string): T {
  if (res.status !== status) throw new Error(`${what}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

async function newListing(t: TenantFixture): Promise<number> {
  await setWaitlistSettings(t, { min_listing_age_s: 0 });
  const f = await soldOutEvent(t, 1, 10_000);
  ok(
    await t.api.put(`/api/resale/sellers/${f.customerId}`, { verified: true, payout_account: 'acct_sweep' }),
    200,
    'seller',
  );
  const listing = await t.api.post<{ id: number }>('/api/resale/list', {
    ticket_id: f.ticketIds[0],
    asking_price_minor: 10_000,
  });
  return ok(listing, 201, 'listing').id;
}

/** An active season subscription, stored directly (the season tests cover how one is bought). */
async function newSeasonSubscription(t: TenantFixture): Promise<number> {
  const customerId = (await newCustomer(h, t)).id;
  return (await storeSeasonSubscription(h, { tenantId: t.tenantId, customerId, name: 'Sweep season' })).subscriptionId;
}

/** The case of one operation; throws, saying why, when the sweep cannot build it. */
function buildCase(path: string, method: string, op: Operation): SweepCase {
  const route = `${method} ${path}`;
  const segments = path.split('/');
  const fixed: SweepCase['fixed'] = {};
  const fresh: SweepCase['fresh'] = {};
  for (const p of op.parameters?.filter((x) => x.in === 'path') ?? []) {
    const kind = segments[segments.indexOf(`{${p.name}}`) - 1];
    if (p.schema?.enum) fixed[p.name] = String(exampleOf(p.schema, doc));
    else if (FRESH[kind]) fresh[p.name] = FRESH[kind];
    else throw new Error(`no new resource for {${p.name}} after /${kind}/`);
  }
  const schema = op.requestBody?.content?.['application/json']?.schema;
  // A PUT replaces the whole resource: fill every property, so every column's write races.
  const body = schema ? exampleOf(schema, doc, { optional: true, values: BODY_VALUES[route] }) : undefined;
  return { route, method: method.toUpperCase(), path, fixed, fresh, body };
}

/**
 * A tenant of its own for each run, so tenant-wide rows (the default policy, a module's
 * subscription) are written for the first time too: it has every module but one the path names.
 */
async function prepare(c: SweepCase): Promise<{ t: TenantFixture; url: string }> {
  const named = new Set(Object.values(c.fixed));
  const t = await createTenantWithKey(
    h,
    `sweep ${c.route}`,
    ['admin'],
    MODULES.filter((m) => !named.has(m)),
  );
  const values: Record<string, string> = { ...c.fixed };
  for (const [name, create] of Object.entries(c.fresh)) values[name] = String(await create(t));
  return { t, url: c.path.replace(/\{(\w+)\}/g, (_, name: string) => values[name]) };
}

/** How many rows the tenant has in each of its tables. */
async function tenantRows(tenantId: string): Promise<Map<string, number>> {
  const tables = await h
    .owner('information_schema.columns as c')
    .join('information_schema.tables as t', function () {
      this.on('t.table_schema', 'c.table_schema').andOn('t.table_name', 'c.table_name');
    })
    .where({ 'c.table_schema': 'public', 'c.column_name': 'tenant_id', 't.table_type': 'BASE TABLE' })
    .pluck<string[]>('c.table_name');
  const counts = new Map<string, number>();
  for (const table of tables) {
    if (JOURNALS.has(table)) continue;
    const [{ count }] = await h.owner(table).where({ tenant_id: tenantId }).count<{ count: string }[]>({ count: '*' });
    counts.set(table, Number(count));
  }
  return counts;
}

/** Waits until the worker has handled every domain event of the tenant, so nothing else writes its rows meanwhile. */
async function settled(tenantId: string): Promise<Map<string, number>> {
  await eventually(
    async () => !(await h.owner('outbox').where({ tenant_id: tenantId }).whereNull('dispatched_at').first('id')),
    { what: `the outbox of ${tenantId} to drain` },
  );
  return tenantRows(tenantId);
}

async function rowsWritten<T>(
  tenantId: string,
  act: () => Promise<T>,
): Promise<{ result: T; grown: Map<string, number> }> {
  const before = await settled(tenantId);
  const result = await act();
  const after = await settled(tenantId);
  const grown = new Map([...after].map(([table, n]) => [table, n - (before.get(table) ?? 0)]));
  return { result, grown };
}

const show = (res: HttpResult<unknown>): string => `${res.status} ${JSON.stringify(res.body).slice(0, 300)}`;

describe('concurrent identical create-or-replace requests (every PUT of /openapi.json)', () => {
  it('answer alike, without a 5xx, and leave the rows one request leaves', async () => {
    const cases: SweepCase[] = [];
    const unbuildable: string[] = [];
    for (const { path, method, op } of operationsOf(doc)) {
      if (method !== 'put') continue;
      try {
        cases.push(buildCase(path, method, op));
      } catch (err) {
        unbuildable.push(`${method} ${path}: ${(err as Error).message}`);
      }
    }
    console.info(`create-or-replace sweep: ${cases.length} routes x ${CONCURRENCY} concurrent requests`);

    const failures: string[] = [];
    for (const c of cases) {
      // The control: what one request answers and writes on a resource of its own.
      const alone = await prepare(c);
      const single = await rowsWritten(alone.t.tenantId, () => alone.t.api.request(c.method, alone.url, c.body));
      const raced = await prepare(c);
      const race = await rowsWritten(raced.t.tenantId, () =>
        Promise.all(Array.from({ length: CONCURRENCY }, () => raced.t.api.request(c.method, raced.url, c.body))),
      );
      const answers = race.result;
      if (single.result.status < 200 || single.result.status >= 300) {
        failures.push(`${c.route}: a single request answered ${show(single.result)}`);
        continue;
      }
      const statuses = answers.map((a) => a.status);
      if (statuses.some((s) => s !== single.result.status)) {
        const tally = [...new Set(statuses)].map((s) => `${statuses.filter((x) => x === s).length} x ${s}`);
        const odd = answers.find((a) => a.status !== single.result.status) as HttpResult<unknown>;
        failures.push(`${c.route}: answered ${tally.join(', ')}, e.g. ${show(odd)}`);
        continue;
      }
      const first = JSON.stringify(answers[0].body);
      const other = answers.find((a) => JSON.stringify(a.body) !== first);
      if (other) failures.push(`${c.route}: bodies differ: ${show(answers[0])} and ${show(other)}`);
      for (const [table, n] of race.grown) {
        const once = single.grown.get(table) ?? 0;
        if (n !== once) failures.push(`${c.route}: ${table} grew by ${n}, one request grows it by ${once}`);
      }
    }
    expect(unbuildable).toEqual([]);
    expect(failures).toEqual([]);
    // Six PUT operations when this was written; a sweep that found none would prove nothing.
    expect(cases.length).toBeGreaterThanOrEqual(6);
  }, 300_000);
});
