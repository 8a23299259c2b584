import gammaRandom from '@stdlib/random-base-gamma';
import { createHarness, client, eventually, type Harness } from '../helpers/harness';
import { createTenantWithKey, type TenantFixture } from '../helpers/fixtures';
import { recordHistory } from '../helpers/histories';
import { paidOrderForEvent } from '../helpers/refunds';
import { withTenant } from '../../db/connection';
import { emit } from '../../db/platform/outbox';

interface CustomerBody {
  id: number;
  email: string;
  name: string;
  phone: string | null;
  birthday: string | null;
  country: string | null;
  city: string | null;
  tags: string[];
  marketing_consent: boolean;
  erased_at: string | null;
}
interface MetricsBody {
  total_orders: number;
  total_spent_minor: number;
  avg_order_value_minor: number;
  purchased_categories: string[];
  attended_categories: string[];
  events_attended: number;
  no_shows: number;
  emails_opened: number;
  emails_clicked: number;
  last_opened_at: string | null;
  last_clicked_at: string | null;
  rfm_score: number | null;
  r_score: number | null;
  lifetime_value_minor: number | null;
  predicted_purchases_365d: number | null;
  churn_probability: number | null;
  churn_risk: string | null;
}
interface ConsentBody {
  id: number;
  granted: boolean;
  source: string;
  recorded_at: string;
}
interface RefreshBody {
  run: { id: number; status: string; workflow_id: string; customers: number | null } | null;
  model: {
    method: string;
    bgnbd: { r: number; alpha: number; a: number; b: number } | null;
    gamma_gamma: { p: number; q: number; gamma: number } | null;
    repeat_customers: number;
  } | null;
}

let h: Harness;
let t: TenantFixture;

beforeAll(async () => {
  h = await createHarness({ worker: true });
  t = await createTenantWithKey(h, 'CRM data');
});
afterAll(() => h.stop());

const unique = () => `${Date.now()}-${Math.random().toString(36).slice(2)}`;

const metricsOf = (api: TenantFixture['api'], id: number) =>
  api.get<MetricsBody>(`/api/customers/${id}/metrics`).then((r) => r.body);

const ledger = async (id: number) =>
  (await t.api.get<{ items: ConsentBody[] }>(`/api/crm/customers/${id}/consents`)).body.items;

async function tokenFor(customerId: number) {
  const res = await t.api.post<{ token: string }>(`/api/customers/${customerId}/tokens`, {});
  return client(h.baseUrl, res.body.token);
}

describe('customer data through the core endpoints', () => {
  it('takes birthday, country, city, tags and consent, and shows them', async () => {
    const email = `data-${unique()}@example.com`;
    const created = await t.api.post<CustomerBody>('/api/customers', {
      email,
      name: 'Dana',
      birthday: '1990-07-14',
      country: 'DE',
      city: 'Berlin',
      tags: ['vip', 'newsletter'],
      marketing_consent: { granted: true, source: 'checkout' },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      birthday: '1990-07-14',
      country: 'DE',
      city: 'Berlin',
      tags: ['vip', 'newsletter'],
      marketing_consent: true,
      erased_at: null,
    });
    // A re-sync without the new fields leaves them as they were.
    const synced = await t.api.post<CustomerBody>('/api/customers', { email, name: 'Dana B.' });
    expect(synced.status).toBe(200);
    expect(synced.body).toMatchObject({
      name: 'Dana B.',
      birthday: '1990-07-14',
      city: 'Berlin',
      marketing_consent: true,
    });
    const patched = await t.api.patch<CustomerBody>(`/api/customers/${created.body.id}`, {
      city: null,
      country: 'AT',
      tags: ['vip'],
    });
    expect(patched.body).toMatchObject({ city: null, country: 'AT', tags: ['vip'], birthday: '1990-07-14' });

    const bad = await t.api.post<{ errors: { path: string }[] }>('/api/customers', {
      email: `bad-${unique()}@example.com`,
      name: 'Bad',
      country: 'de',
      birthday: '1990-02-30',
      marketing_consent: { granted: 'yes' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e) => e.path)).toEqual(
      expect.arrayContaining(['body.country', 'body.birthday', 'body.marketing_consent.granted']),
    );
  });

  it('takes event category and tags, and order channel and promo code', async () => {
    const f = await paidOrderForEvent(t, { daysOut: 40, quantity: 1 });
    const ev = await t.api.patch<{ category: string; tags: string[] }>(`/api/events/${f.eventId}`, {
      category: 'festivals',
      tags: ['outdoor', 'summer'],
    });
    expect(ev.body).toMatchObject({ category: 'festivals', tags: ['outdoor', 'summer'] });
    const order = await t.api.post<{ id: number }>('/api/orders', {
      event_id: f.eventId,
      customer_id: f.customerId,
      items: [{ ticket_type_id: f.ticketTypeId, quantity: 1 }],
      channel: 'box_office',
      promo_code: 'SUMMER10',
    });
    expect(order.status).toBe(201);
    expect(await h.owner('orders').where({ id: order.body.id }).first('channel', 'promo_code')).toEqual({
      channel: 'box_office',
      promo_code: 'SUMMER10',
    });
    const bad = await t.api.post('/api/orders', {
      event_id: f.eventId,
      customer_id: f.customerId,
      items: [{ ticket_type_id: f.ticketTypeId, quantity: 1 }],
      channel: 'carrier_pigeon',
    });
    expect(bad.status).toBe(400);
  });
});

describe('consent ledger', () => {
  it('keeps every grant and withdrawal, records no unchanged consent, and is append-only', async () => {
    const c = await t.api.post<CustomerBody>('/api/customers', {
      email: `consent-${unique()}@example.com`,
      name: 'Cole',
      marketing_consent: { granted: true, source: 'checkout' },
    });
    const id = c.body.id;
    await t.api.patch(`/api/customers/${id}`, { marketing_consent: { granted: false, source: 'preference_centre' } });
    // Unchanged: nothing recorded.
    const same = await t.api.post<{ changed: boolean }>(`/api/crm/customers/${id}/consents`, {
      granted: false,
      source: 'api',
    });
    expect(same.body.changed).toBe(false);
    const again = await t.api.post<{ changed: boolean; marketing_consent: boolean; entry: ConsentBody }>(
      `/api/crm/customers/${id}/consents`,
      { granted: true, source: 'api' },
    );
    expect(again.body).toMatchObject({
      changed: true,
      marketing_consent: true,
      entry: { granted: true, source: 'api' },
    });
    expect((await ledger(id)).map((e) => [e.granted, e.source])).toEqual([
      [true, 'checkout'],
      [false, 'preference_centre'],
      [true, 'api'],
    ]);
    const events = await h
      .owner('outbox')
      .where({ type: 'crm.consent_changed', aggregate_id: String(id) })
      .orderBy('id');
    expect(events.map((e: { payload: { granted: boolean } }) => e.payload.granted)).toEqual([true, false, true]);
    await expect(h.owner('customer_consents').where({ customer_id: id }).update({ granted: false })).rejects.toThrow(
      /append-only/,
    );
    await expect(h.owner('customer_consents').where({ customer_id: id }).delete()).rejects.toThrow(/append-only/);
    const profile = await t.api.get<{ consent: { email: boolean; last_change: ConsentBody } }>(
      `/api/crm/customers/${id}`,
    );
    expect(profile.body.consent).toMatchObject({ email: true, last_change: { source: 'api' } });
  });

  it("lets a customer read their own profile and change their own consent, and no one else's", async () => {
    const a = await t.api.post<CustomerBody>('/api/customers', { email: `a-${unique()}@example.com`, name: 'A' });
    const b = await t.api.post<CustomerBody>('/api/customers', { email: `b-${unique()}@example.com`, name: 'B' });
    const asA = await tokenFor(a.body.id);
    expect((await asA.get(`/api/crm/customers/${a.body.id}`)).status).toBe(200);
    expect((await asA.get(`/api/crm/customers/${b.body.id}`)).status).toBe(404);
    expect((await asA.get(`/api/crm/customers/${b.body.id}/consents`)).status).toBe(404);
    const own = await asA.post(`/api/crm/customers/${a.body.id}/consents`, {
      granted: true,
      source: 'preference_centre',
    });
    expect(own.status).toBe(200);
    expect((await asA.post(`/api/crm/customers/${b.body.id}/consents`, { granted: true, source: 'x' })).status).toBe(
      404,
    );
    expect((await t.api.get<CustomerBody>(`/api/customers/${b.body.id}`)).body.marketing_consent).toBe(false);
    expect([401, 403]).toContain((await asA.post('/api/crm/metrics/refresh', {})).status);
    expect([401, 403]).toContain((await asA.post(`/api/crm/customers/${a.body.id}/tags`, { add: ['x'] })).status);
  });

  it("answers 404 for another tenant's customer", async () => {
    const other = await createTenantWithKey(h, 'Other CRM tenant');
    const mine = await t.api.post<CustomerBody>('/api/customers', { email: `iso-${unique()}@example.com`, name: 'I' });
    for (const path of [`/api/crm/customers/${mine.body.id}`, `/api/crm/customers/${mine.body.id}/consents`])
      expect((await other.api.get(path)).status).toBe(404);
    expect(
      (await other.api.post(`/api/crm/customers/${mine.body.id}/consents`, { granted: true, source: 'x' })).status,
    ).toBe(404);
    expect((await other.api.request('DELETE', `/api/customers/${mine.body.id}`)).status).toBe(404);
  });
});

describe('metrics kept current by triggers', () => {
  it('counts orders and net spend after a refund, with the categories bought', async () => {
    const f = await paidOrderForEvent(t, { daysOut: 40, quantity: 2, price: 4500 });
    await t.api.patch(`/api/events/${f.eventId}`, { category: 'concerts' });
    const second = await t.api.post<{ id: number }>('/api/orders', {
      event_id: f.eventId,
      customer_id: f.customerId,
      items: [{ ticket_type_id: f.ticketTypeId, quantity: 1 }],
    });
    expect(second.status).toBe(201);
    const before = await eventually(
      async () => {
        const m = await metricsOf(t.api, f.customerId);
        return m.total_orders === 2 && m;
      },
      { what: 'two orders counted' },
    );
    expect(before).toMatchObject({
      total_spent_minor: 13500,
      avg_order_value_minor: 6750,
      purchased_categories: ['concerts'],
    });
    const refund = await t.api.post<{ id: number; refund_amount_minor: number }>('/api/refund-requests', {
      order_id: f.orderId,
      type: 'refund',
    });
    expect(refund.status).toBe(201);
    const after = await eventually(
      async () => {
        const m = await metricsOf(t.api, f.customerId);
        return m.total_spent_minor < 13500 && m;
      },
      { what: 'refund taken off the spend' },
    );
    expect(after.total_spent_minor).toBe(13500 - refund.body.refund_amount_minor);
    expect(after.total_orders).toBe(2);
  });

  it('records attendance and no-shows for every ticket holder when an event ends', async () => {
    const f = await paidOrderForEvent(t, { daysOut: 40, quantity: 1 });
    await t.api.patch(`/api/events/${f.eventId}`, { category: 'festivals' });
    const noShow = await t.api.post<{ id: number }>('/api/customers', {
      email: `ns-${unique()}@example.com`,
      name: 'N',
    });
    await t.api.post('/api/orders', {
      event_id: f.eventId,
      customer_id: noShow.body.id,
      items: [{ ticket_type_id: f.ticketTypeId, quantity: 2 }],
    });
    const gate = await t.api.post<{ id: number }>('/api/checkin/gates', { event_id: f.eventId, name: 'Main' });
    const scan = await t.api.post<{ verdict: string }>('/api/checkin/scan', {
      scan_id: `crm-${unique()}`,
      code: f.tickets[0].code,
      gate_id: gate.body.id,
    });
    expect(scan.body.verdict).toBe('success');
    expect((await t.api.patch(`/api/events/${f.eventId}`, { status: 'ended' })).status).toBe(200);
    const attended = await eventually(
      async () => {
        const m = await metricsOf(t.api, f.customerId);
        return m.events_attended === 1 && m;
      },
      { what: 'attendance' },
    );
    expect(attended).toMatchObject({ no_shows: 0, attended_categories: ['festivals'] });
    const missed = await eventually(
      async () => {
        const m = await metricsOf(t.api, noShow.body.id);
        return m.no_shows === 1 && m;
      },
      { what: 'no-show' },
    );
    expect(missed).toMatchObject({ events_attended: 0, attended_categories: [] });
  });

  it('counts human opens and clicks, not machine opens', async () => {
    const c = await t.api.post<CustomerBody>('/api/customers', { email: `eng-${unique()}@example.com`, name: 'E' });
    const message = { message_id: 1, customer_id: c.body.id, campaign_id: null, automation_id: null };
    await withTenant(h.db, t.tenantId, (tx) =>
      emit(tx, t.tenantId, [
        { type: 'crm.email_opened', aggregateType: 'message', aggregateId: 1, payload: { ...message, machine: true } },
        { type: 'crm.email_opened', aggregateType: 'message', aggregateId: 1, payload: { ...message, machine: false } },
        {
          type: 'crm.email_clicked',
          aggregateType: 'message',
          aggregateId: 1,
          payload: { ...message, url: 'https://x' },
        },
      ]),
    );
    await eventually(
      async () =>
        !(await h
          .owner('outbox')
          .where({ tenant_id: t.tenantId })
          .whereIn('type', ['crm.email_opened', 'crm.email_clicked'])
          .whereNull('dispatched_at')
          .first()),
      { what: 'engagement events dispatched' },
    );
    const m = await metricsOf(t.api, c.body.id);
    expect(m).toMatchObject({ emails_opened: 1, emails_clicked: 1 });
    expect(m.last_opened_at).not.toBeNull();
    expect(m.last_clicked_at).not.toBeNull();
  });
});

describe('erasure', () => {
  it('anonymises personal data, withdraws consent and keeps orders and tickets', async () => {
    const f = await paidOrderForEvent(t, { daysOut: 40, quantity: 1 });
    await t.api.patch(`/api/customers/${f.customerId}`, {
      birthday: '1985-01-02',
      city: 'Hamburg',
      phone: '+49 40 123',
      marketing_consent: { granted: true, source: 'checkout' },
    });
    const erased = await t.api.request<CustomerBody>('DELETE', `/api/customers/${f.customerId}`);
    expect(erased.status).toBe(200);
    expect(erased.body).toMatchObject({
      name: 'Erased customer',
      email: `erased-${f.customerId}@erased.invalid`,
      phone: null,
      birthday: null,
      city: null,
      marketing_consent: false,
    });
    expect(erased.body.erased_at).not.toBeNull();
    expect((await ledger(f.customerId)).at(-1)).toMatchObject({ granted: false, source: 'erasure' });
    const event = await h
      .owner('outbox')
      .where({ type: 'customer.erased', aggregate_id: String(f.customerId) })
      .first();
    expect(event.payload).toEqual({ customer_id: f.customerId });
    expect((await t.api.get(`/api/orders/${f.orderId}`)).status).toBe(200);
    expect(await h.owner('tickets').where({ order_id: f.orderId }).count('* as n').first()).toEqual({ n: 1 });
    // Again: the same answer, nothing more recorded.
    const again = await t.api.request<CustomerBody>('DELETE', `/api/customers/${f.customerId}`);
    expect(again.body.erased_at).toBe(erased.body.erased_at);
    expect(
      await h
        .owner('outbox')
        .where({ type: 'customer.erased', aggregate_id: String(f.customerId) })
        .count('* as n')
        .first(),
    ).toEqual({ n: 1 });
    expect(
      (await t.api.post(`/api/crm/customers/${f.customerId}/consents`, { granted: true, source: 'api' })).status,
    ).toBe(409);
  });
});

/**
 * Purchase histories drawn from the BG/NBD and Gamma-Gamma processes (CDNOW-like parameters, in
 * weeks) with a seeded PRNG: `repeaters` customers with at least one repeat purchase, `oneOff`
 * with none, joined over the last 40 weeks.
 */
async function seedHistories(tenant: TenantFixture, repeaters: number, oneOff: number): Promise<void> {
  const g = gammaRandom.factory({ seed: 17 });
  const uniform = () => Math.exp(-g(1, 1));
  const rows: { n: number; firstDays: number; lastDays: number; aov: number }[] = [];
  let [wantRepeat, wantOne] = [repeaters, oneOff];
  while (wantRepeat > 0 || wantOne > 0) {
    const lambda = g(0.5, 4);
    const u = g(0.8, 1);
    const p = u / (u + g(2.5, 1));
    const age = 2 + uniform() * 38;
    let [t, last, n] = [0, 0, 1];
    for (;;) {
      t += g(1, lambda);
      if (t > age) break;
      [last, n] = [t, n + 1];
      if (uniform() < p) break;
    }
    if (n > 1 ? wantRepeat-- <= 0 : wantOne-- <= 0) continue;
    rows.push({ n, firstDays: age * 7, lastDays: (age - last) * 7, aov: Math.round(100 * g(6, g(4, 15))) });
  }
  await h.owner.raw(
    `
    with c as (
      insert into customers (tenant_id, email, name)
      select ?, 'seed-' || g || '-' || md5(random()::text) || '@example.com', 'Seed ' || g from generate_series(1, ?) g
      returning id
    ), numbered as (select id, row_number() over (order by id) as k from c),
    h as (select * from unnest(?::int[], ?::float8[], ?::float8[], ?::int[]) with ordinality as h(n, first_days, last_days, aov, k))
    insert into customer_metrics (tenant_id, customer_id, total_orders, total_spent_minor, currency,
      avg_order_value_minor, first_purchase_at, last_purchase_at)
    select ?, numbered.id, h.n, h.n * h.aov, 'EUR', h.aov, now() - make_interval(secs => h.first_days * 86400),
      now() - make_interval(secs => h.last_days * 86400)
    from numbered join h using (k)`,
    [
      tenant.tenantId,
      rows.length,
      rows.map((r) => r.n),
      rows.map((r) => r.firstDays),
      rows.map((r) => r.lastDays),
      rows.map((r) => r.aov),
      tenant.tenantId,
    ],
  );
}

describe('metrics refresh', () => {
  it('refits the model and writes RFM, lifetime value and churn for every purchasing customer', async () => {
    const tenant = await createTenantWithKey(h, 'Refresh');
    await seedHistories(tenant, 150, 250);
    const started = await tenant.api.post<RefreshBody>('/api/crm/metrics/refresh', {});
    expect(started.status).toBe(202);
    expect(started.body.run).toMatchObject({ status: 'running' });
    const again = await tenant.api.post<RefreshBody>('/api/crm/metrics/refresh', {});
    expect([200, 202]).toContain(again.status);
    const done = await eventually(
      async () => {
        const r = await tenant.api.get<RefreshBody>('/api/crm/metrics/refresh');
        return r.body.run?.status !== 'running' && r.body;
      },
      { what: 'refresh finished', timeoutMs: 60_000 },
    );
    expect(done.run).toMatchObject({ status: 'completed', customers: 400 });
    expect(done.model).toMatchObject({ method: 'bgnbd_gg', repeat_customers: 150 });
    expect(done.model?.bgnbd?.r).toBeGreaterThan(0);
    expect(done.model?.gamma_gamma?.q).toBeGreaterThan(1);
    const rows = await h
      .owner('customer_metrics')
      .where({ tenant_id: tenant.tenantId })
      .select('rfm_score', 'r_score', 'f_score', 'm_score', 'lifetime_value_minor', 'churn_risk', 'churn_probability');
    expect(rows).toHaveLength(400);
    for (const r of rows) {
      expect(r.rfm_score).toBe(r.r_score * 100 + r.f_score * 10 + r.m_score);
      expect(['low', 'medium', 'high']).toContain(r.churn_risk);
      expect(Number(r.lifetime_value_minor)).toBeGreaterThanOrEqual(0);
    }
    // Every quintile is used for recency.
    expect(new Set(rows.map((r: { r_score: number }) => r.r_score))).toEqual(new Set([1, 2, 3, 4, 5]));
    const profile = await tenant.api.get<{ metrics: MetricsBody }>(
      `/api/crm/customers/${(await h.owner('customer_metrics').where({ tenant_id: tenant.tenantId }).first()).customer_id}`,
    );
    expect(profile.body.metrics.churn_risk).not.toBeNull();
    expect(profile.body.metrics.predicted_purchases_365d).not.toBeNull();
    await recordHistory(h.temporal, done.run?.workflow_id as string, 'crm-metrics-refresh');
    // A new refresh after the last one finished is a run of its own.
    const next = await tenant.api.post<RefreshBody>('/api/crm/metrics/refresh', { horizon_days: 90 });
    expect(next.status).toBe(202);
    expect(next.body.run?.id).not.toBe(done.run?.id);
  });

  it('falls back below 50 repeat customers and says so', async () => {
    const tenant = await createTenantWithKey(h, 'Small');
    await seedHistories(tenant, 10, 40);
    expect((await tenant.api.post('/api/crm/metrics/refresh', {})).status).toBe(202);
    const done = await eventually(
      async () => {
        const r = await tenant.api.get<RefreshBody>('/api/crm/metrics/refresh');
        return r.body.run?.status === 'completed' && r.body;
      },
      { what: 'refresh finished', timeoutMs: 60_000 },
    );
    expect(done.model).toMatchObject({ method: 'fallback', bgnbd: null, repeat_customers: 10 });
    const risks = await h.owner('customer_metrics').where({ tenant_id: tenant.tenantId }).whereNotNull('churn_risk');
    expect(risks).toHaveLength(50);
  });
});
