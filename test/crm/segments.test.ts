import { createHarness, eventually, type Harness } from '../helpers/harness';
import { createOnSaleEvent, createTenantWithKey, type TenantFixture } from '../helpers/fixtures';
import { recordHistory } from '../helpers/histories';
import { withTenant } from '../../db/connection';
import { isInSegment, refreshMemberships } from '../../db/crm/memberships';
import { PROPOSAL_EXAMPLE_RULE } from '../../domain/crm/segment-rules';
import { segmentRefreshWorkflowId } from '../../workflows/crm/segment-refresh-contract';

interface SegmentBody {
  id: number;
  customer_count: number;
  is_dynamic: boolean;
  last_evaluated_at: string | null;
}
interface MemberBody {
  id: number;
  customer_id: number;
  name: string;
  added_at: string;
  removed_at: string | null;
}
interface Problem {
  code: string;
  errors: { path: string; code: string; message: string }[];
}

let h: Harness;
const DAY = 86_400_000;
const ago = (days: number): Date => new Date(Date.now() - days * DAY);

beforeAll(async () => {
  h = await createHarness({ worker: true });
});
afterAll(() => h.stop());

/** A customer through the API, its CRM profile and metrics written directly (no API sets those). */
async function seedCustomer(
  t: TenantFixture,
  name: string,
  profile: Record<string, unknown>,
  metrics?: Record<string, unknown>,
): Promise<number> {
  const res = await t.api.post<{ id: number }>('/api/customers', { email: `${name}-${t.tenantId}@example.com`, name });
  expect(res.status).toBe(201);
  const id = res.body.id;
  if (Object.keys(profile).length) await h.owner('customers').where({ id }).update(profile);
  if (metrics) {
    await h
      .owner('customer_metrics')
      .insert({ tenant_id: t.tenantId, customer_id: id, ...metrics })
      .onConflict(['tenant_id', 'customer_id'])
      .merge();
  }
  return id;
}

const members = async (t: TenantFixture, id: number, extra = ''): Promise<MemberBody[]> => {
  const res = await t.api.get<{ items: MemberBody[] }>(`/api/crm/segments/${id}/members?limit=500${extra}`);
  expect(res.status).toBe(200);
  return res.body.items;
};
const memberNames = async (t: TenantFixture, id: number): Promise<string[]> =>
  (await members(t, id)).map((m) => m.name).sort();

describe('segments of every operator against hand-computed members', () => {
  let t: TenantFixture;
  beforeAll(async () => {
    t = await createTenantWithKey(h, 'Segment operators');
    const noMetric = { events_attended: 0, attended_categories: [], purchased_categories: [] };
    await seedCustomer(
      t,
      'ann',
      { country: 'DE', city: 'Berlin', birthday: '1990-05-01', tags: ['vip', 'newsletter'], marketing_consent: true },
      {
        total_orders: 5,
        total_spent_minor: 80000,
        avg_order_value_minor: 16000,
        first_purchase_at: ago(400),
        last_purchase_at: ago(10),
        events_attended: 4,
        attended_categories: ['concerts', 'festivals'],
        purchased_categories: ['concerts'],
        no_shows: 0,
        emails_opened: 10,
        emails_clicked: 3,
        last_opened_at: ago(2),
        last_clicked_at: ago(5),
        r_score: 5,
        f_score: 4,
        m_score: 5,
        rfm_score: 545,
        lifetime_value_minor: 120000,
        churn_risk: 'low',
        churn_probability: 0.1,
      },
    );
    await seedCustomer(
      t,
      'ben',
      { country: 'AT', city: 'Vienna', birthday: '1985-12-24', tags: ['newsletter'] },
      {
        total_orders: 2,
        total_spent_minor: 12000,
        avg_order_value_minor: 6000,
        first_purchase_at: ago(200),
        last_purchase_at: ago(100),
        events_attended: 1,
        attended_categories: ['theatre'],
        purchased_categories: ['theatre', 'concerts'],
        no_shows: 1,
        emails_opened: 1,
        last_opened_at: ago(50),
        r_score: 2,
        f_score: 2,
        m_score: 2,
        rfm_score: 222,
        lifetime_value_minor: 15000,
        churn_risk: 'medium',
        churn_probability: 0.5,
      },
    );
    await seedCustomer(
      t,
      'cat',
      { country: 'DE', city: 'Munich', marketing_consent: true },
      {
        total_orders: 1,
        total_spent_minor: 50000,
        avg_order_value_minor: 50000,
        first_purchase_at: ago(30),
        last_purchase_at: ago(30),
        events_attended: 1,
        attended_categories: ['festivals'],
        purchased_categories: ['festivals'],
        r_score: 4,
        f_score: 1,
        m_score: 4,
        rfm_score: 414,
        lifetime_value_minor: 60000,
        churn_risk: 'high',
        churn_probability: 0.8,
      },
    );
    // No metrics row at all: counts and money are 0, dates and scores unknown.
    await seedCustomer(t, 'dan', { birthday: '2000-01-01', tags: ['vip'] });
    await seedCustomer(
      t,
      'eve',
      { country: 'FR', city: 'Paris', birthday: '1990-05-01', marketing_consent: true },
      noMetric,
    );
    // Erased: in no segment, whatever its data.
    await seedCustomer(
      t,
      'fay',
      { country: 'DE', tags: ['vip'], erased_at: new Date() },
      { total_orders: 9, total_spent_minor: 99000, last_purchase_at: ago(1), attended_categories: ['concerts'] },
    );
  });

  const all = ['ann', 'ben', 'cat', 'dan', 'eve'];
  const cases: [string, Record<string, unknown>, string[]][] = [
    ['=', { field: 'country', operator: '=', value: 'DE' }, ['ann', 'cat']],
    ['!= (a missing country is not DE)', { field: 'country', operator: '!=', value: 'DE' }, ['ben', 'dan', 'eve']],
    ['>', { field: 'total_orders', operator: '>', value: 1 }, ['ann', 'ben']],
    ['>= (money in major units)', { field: 'total_spent', operator: '>=', value: 500 }, ['ann', 'cat']],
    ['< (no metrics counts as 0)', { field: 'total_orders', operator: '<', value: 1 }, ['dan', 'eve']],
    ['<=', { field: 'avg_order_value', operator: '<=', value: 60 }, ['ben', 'dan', 'eve']],
    ['within', { field: 'last_purchase_at', operator: 'within', value: '90 days' }, ['ann', 'cat']],
    [
      'not_within (never bought is not within)',
      { field: 'last_purchase_at', operator: 'not_within', value: '90 days' },
      ['ben', 'dan', 'eve'],
    ],
    [
      'includes (attended categories)',
      { field: 'events_attended', operator: 'includes', value: ['concerts', 'festivals'] },
      ['ann', 'cat'],
    ],
    ['excludes (tags)', { field: 'tags', operator: 'excludes', value: ['vip'] }, ['ben', 'cat', 'eve']],
    ['exists true', { field: 'birthday', operator: 'exists', value: true }, ['ann', 'ben', 'dan', 'eve']],
    ['exists false', { field: 'last_clicked_at', operator: 'exists', value: false }, ['ben', 'cat', 'dan', 'eve']],
    ['events_attended as a count', { field: 'events_attended', operator: '>=', value: 1 }, ['ann', 'ben', 'cat']],
    ['includes on an enum', { field: 'churn_risk', operator: 'includes', value: ['medium', 'high'] }, ['ben', 'cat']],
    ['includes on text (one of)', { field: 'city', operator: 'includes', value: ['Berlin', 'Paris'] }, ['ann', 'eve']],
    ['= false on consent', { field: 'marketing_consent', operator: '=', value: false }, ['ben', 'dan']],
    [
      'purchased_categories',
      { field: 'purchased_categories', operator: 'includes', value: 'concerts' },
      ['ann', 'ben'],
    ],
    ['scores', { field: 'rfm_score', operator: '>', value: 400 }, ['ann', 'cat']],
    ['lifetime value', { field: 'lifetime_value', operator: '>', value: 500 }, ['ann', 'cat']],
    ['churn probability', { field: 'churn_probability', operator: '<', value: 0.6 }, ['ann', 'ben']],
    ['birthday before a date', { field: 'birthday', operator: '<', value: '1990-01-01' }, ['ben']],
    ['clicks', { field: 'emails_clicked', operator: '=', value: 0 }, ['ben', 'cat', 'dan', 'eve']],
    ['created_at within', { field: 'created_at', operator: 'within', value: '1 hour' }, all],
  ];

  it.each(cases)('%s', async (_name, condition, expected) => {
    const rules = { conditions: [condition], match: 'all' };
    const preview = await t.api.post<{ count: number; sample: { name: string }[] }>('/api/crm/segments/preview', {
      rules,
    });
    expect(preview.status).toBe(200);
    expect(preview.body.count).toBe(expected.length);
    const created = await t.api.post<SegmentBody>('/api/crm/segments', {
      name: `op ${_name}`,
      rules,
      is_dynamic: false,
    });
    expect(created.status).toBe(201);
    expect(created.body.customer_count).toBe(expected.length);
    expect(await memberNames(t, created.body.id)).toEqual(expected);
  });

  it("takes the proposal's example rule", async () => {
    const created = await t.api.post<SegmentBody>('/api/crm/segments', {
      name: 'High-value festival goers',
      rules: PROPOSAL_EXAMPLE_RULE,
      is_dynamic: false,
    });
    expect(created.status).toBe(201);
    expect(await memberNames(t, created.body.id)).toEqual(['ann', 'cat']);
  });

  it('nests any / all / not, with not the exact complement', async () => {
    const inner = {
      match: 'any',
      conditions: [
        {
          all: [
            { field: 'country', operator: '=', value: 'DE' },
            { not: { field: 'tags', operator: 'includes', value: 'vip' } },
          ],
        },
        { field: 'churn_risk', operator: '=', value: 'medium' },
      ],
    };
    const preview = async (rules: unknown) =>
      (await t.api.post<{ count: number; sample: { name: string }[] }>('/api/crm/segments/preview', { rules })).body;
    const p = await preview(inner);
    expect(p.sample.map((s) => s.name).sort()).toEqual(['ben', 'cat']);
    const negated = await preview({ conditions: [{ not: inner }] });
    expect(negated.sample.map((s) => s.name).sort()).toEqual(['ann', 'dan', 'eve']);
    const nested = await preview({
      conditions: [
        { any: [{ not: { field: 'total_orders', operator: '>', value: 0 } }, { conditions: [inner], match: 'all' }] },
      ],
    });
    expect(nested.sample.map((s) => s.name).sort()).toEqual(['ben', 'cat', 'dan', 'eve']);
  });

  it('previews a count and a sample without saving anything', async () => {
    const before = await h.owner('customer_segments').where({ tenant_id: t.tenantId }).count<{ count: string }[]>();
    const res = await t.api.post<{ count: number; sample: { id: number; email: string; name: string }[] }>(
      '/api/crm/segments/preview',
      { rules: { conditions: [{ field: 'total_orders', operator: '>=', value: 0 }] } },
    );
    expect(res.body.count).toBe(5);
    expect(res.body.sample.map((s) => s.name)).toEqual(all);
    expect(res.body.sample[0].email).toContain('ann-');
    const after = await h.owner('customer_segments').where({ tenant_id: t.tenantId }).count<{ count: string }[]>();
    expect(after).toEqual(before);
  });

  it('answers 400 with the path of each bad condition', async () => {
    const rules = {
      conditions: [
        { field: 'total_spent', operator: '>=', value: 500 },
        { field: 'total_spent', operator: 'includes', value: ['x'] },
        { any: [{ field: 'shoe_size', operator: '=', value: 42 }] },
        { not: { field: 'last_purchase_at', operator: 'within', value: 'a while' } },
      ],
      match: 'all',
    };
    for (const path of ['/api/crm/segments', '/api/crm/segments/preview']) {
      const res = await t.api.post<Problem>(path, { name: 'bad', rules });
      const body = path.endsWith('preview') ? await t.api.post<Problem>(path, { rules }) : res;
      expect([body.status, body.body.code]).toEqual([400, 'invalid_segment_rule']);
      expect(body.headers.get('content-type')).toContain('application/problem+json');
      expect(body.body.errors.map((e) => [e.path, e.code])).toEqual([
        ['body.rules.conditions[1].operator', 'operator_not_allowed'],
        ['body.rules.conditions[2].any[0].field', 'unknown_field'],
        ['body.rules.conditions[3].not.value', 'invalid_duration'],
      ]);
      expect(body.body.errors[0].message).toContain('= != > >= < <= exists');
    }
    const patch = await t.api.patch<Problem>('/api/crm/segments/1', { rules: { conditions: 'x' } });
    expect([patch.status, patch.body.code, patch.body.errors[0].path]).toEqual([
      400,
      'invalid_segment_rule',
      'body.rules.conditions',
    ]);
  });

  it("answers 404 for another tenant's segment", async () => {
    const created = await t.api.post<SegmentBody>('/api/crm/segments', {
      name: 'mine',
      rules: { conditions: [{ field: 'country', operator: '=', value: 'DE' }] },
      is_dynamic: false,
    });
    const other = await createTenantWithKey(h, 'Other tenant');
    const id = created.body.id;
    for (const res of [
      await other.api.get(`/api/crm/segments/${id}`),
      await other.api.get(`/api/crm/segments/${id}/members`),
      await other.api.get(`/api/crm/segments/${id}/performance`),
      await other.api.post(`/api/crm/segments/${id}/refresh`),
      await other.api.patch(`/api/crm/segments/${id}`, { name: 'theirs' }),
      await other.api.delete(`/api/crm/segments/${id}`),
    ])
      expect(res.status).toBe(404);
    expect((await other.api.get<{ items: unknown[] }>('/api/crm/segments')).body.items).toEqual([]);
    expect((await t.api.get<SegmentBody>(`/api/crm/segments/${id}`)).body.customer_count).toBe(2);
  });
});

describe('dynamic and static segments', () => {
  let t: TenantFixture;
  beforeAll(async () => {
    t = await createTenantWithKey(h, 'Segment membership');
  });

  const outboxFor = (type: string, segmentId: number, customerId: number) =>
    h
      .owner('outbox')
      .where({ tenant_id: t.tenantId, type })
      .whereRaw("payload->>'segment_id' = ? and payload->>'customer_id' = ?", [String(segmentId), String(customerId)]);

  it('records entries and exits as time and data change; a static snapshot stays until refreshed', async () => {
    const rules = { conditions: [{ field: 'last_purchase_at', operator: 'within', value: '30 days' }] };
    const first = await seedCustomer(
      t,
      'recent',
      {},
      { total_orders: 1, last_purchase_at: new Date(ago(30).getTime() + 10_000) },
    );
    const dynamic = await t.api.post<SegmentBody>('/api/crm/segments', {
      name: 'Bought this month',
      rules,
      refresh_interval_s: 1,
    });
    const snapshot = await t.api.post<SegmentBody>('/api/crm/segments', { name: 'Snapshot', rules, is_dynamic: false });
    expect([dynamic.body.customer_count, snapshot.body.customer_count]).toEqual([1, 1]);
    expect(await outboxFor('crm.segment_entered', dynamic.body.id, first).first()).toBeTruthy();

    // A new buyer enters at the next refresh; the snapshot keeps its members.
    const second = await seedCustomer(
      t,
      'newcomer',
      {},
      { total_orders: 2, total_spent_minor: 9000, currency: 'EUR', last_purchase_at: ago(1) },
    );
    // The first buyer's purchase drifts out of the 30 days with time alone, seconds from now.
    const exits = await eventually(
      async () => {
        const ms = await members(t, dynamic.body.id, '&include_removed=true');
        const left = ms.find((m) => m.customer_id === first && m.removed_at);
        return ms.some((m) => m.customer_id === second && !m.removed_at) && left && ms;
      },
      { what: 'the refresh workflow to move customers in and out', timeoutMs: 30_000 },
    );
    expect(exits.map((m) => [m.name, m.removed_at === null])).toEqual([
      ['recent', false],
      ['newcomer', true],
    ]);
    expect(await memberNames(t, dynamic.body.id)).toEqual(['newcomer']);
    expect((await t.api.get<SegmentBody>(`/api/crm/segments/${dynamic.body.id}`)).body.customer_count).toBe(1);
    expect(await outboxFor('crm.segment_entered', dynamic.body.id, second).first()).toMatchObject({
      aggregate_type: 'customer',
      aggregate_id: String(second),
    });
    expect(await outboxFor('crm.segment_exited', dynamic.body.id, first).first()).toBeTruthy();

    expect(await memberNames(t, snapshot.body.id)).toEqual(['recent']);
    expect((await t.api.get<SegmentBody>(`/api/crm/segments/${snapshot.body.id}`)).body.customer_count).toBe(1);
    const refreshed = await t.api.post<{ segment: SegmentBody; entered: number; exited: number }>(
      `/api/crm/segments/${snapshot.body.id}/refresh`,
    );
    expect([refreshed.body.entered, refreshed.body.exited, refreshed.body.segment.customer_count]).toEqual([1, 1, 1]);
    expect(await memberNames(t, snapshot.body.id)).toEqual(['newcomer']);

    // Revenue of current members: lifetime spend from metrics, recent spend from paid orders.
    const event = await createOnSaleEvent(t);
    await h.owner('orders').insert(
      [
        [20, 2500],
        [60, 6500],
        [120, 1000],
      ].map(([days, minor], i) => ({
        tenant_id: t.tenantId,
        event_id: event.eventId,
        customer_id: second,
        order_number: `SEG-${second}-${i}`,
        status: 'paid',
        currency: 'EUR',
        total_minor: minor,
        payment_provider: 'offline',
        paid_at: ago(days),
      })),
    );
    const perf = await t.api.get<{ sizes: { size: number }[]; revenue: unknown[] }>(
      `/api/crm/segments/${dynamic.body.id}/performance`,
    );
    expect(perf.status).toBe(200);
    expect(perf.body.revenue).toEqual([
      {
        currency: 'EUR',
        total_spent_minor: 9000,
        revenue_30d_minor: 2500,
        revenue_90d_minor: 9000,
        orders_30d: 1,
        orders_90d: 2,
      },
    ]);
    expect(perf.body.sizes.length).toBeGreaterThanOrEqual(2);
    expect(perf.body.sizes[0].size).toBe(1);

    // Made static, the refresh loop ends by itself at its next wake-up.
    const workflowId = segmentRefreshWorkflowId(t.tenantId, dynamic.body.id);
    expect((await t.api.patch(`/api/crm/segments/${dynamic.body.id}`, { is_dynamic: false })).status).toBe(200);
    const result = await h.temporal.workflow.getHandle(workflowId).result();
    expect(result).toMatchObject({ status: 'ended', endedBecause: 'static' });
    await recordHistory(h.temporal, workflowId, 'crm-segment-refresh-ended');
  });

  it('re-evaluates the changed customers of every dynamic segment (refreshMemberships) with an exact count', async () => {
    const rules = { conditions: [{ field: 'tags', operator: 'includes', value: ['gold'] }] };
    const seg = await t.api.post<SegmentBody>('/api/crm/segments', { name: 'Gold', rules });
    const ids = [await seedCustomer(t, 'g1', { tags: ['gold'] }), await seedCustomer(t, 'g2', {})];
    // Not yet evaluated for them: the data changed after the segment's evaluation.
    expect((await t.api.get<SegmentBody>(`/api/crm/segments/${seg.body.id}`)).body.customer_count).toBe(0);
    await withTenant(h.db, t.tenantId, (tx) => refreshMemberships(tx, t.tenantId, ids));
    expect(await memberNames(t, seg.body.id)).toEqual(['g1']);
    await h
      .owner('customers')
      .where({ id: ids[1] })
      .update({ tags: ['gold'] });
    await h.owner('customers').where({ id: ids[0] }).update({ tags: [] });
    await withTenant(h.db, t.tenantId, async (tx) => {
      await refreshMemberships(tx, t.tenantId, ids);
      await refreshMemberships(tx, t.tenantId, ids);
    });
    expect(await memberNames(t, seg.body.id)).toEqual(['g2']);
    expect((await t.api.get<SegmentBody>(`/api/crm/segments/${seg.body.id}`)).body.customer_count).toBe(1);
    await withTenant(h.db, t.tenantId, async (tx) => {
      expect(await isInSegment(tx, seg.body.id, ids[1])).toBe(true);
      expect(await isInSegment(tx, seg.body.id, ids[0])).toBe(false);
    });
    const history = await members(t, seg.body.id, '&include_removed=true');
    expect(history.map((m) => [m.name, m.removed_at === null])).toEqual([
      ['g1', false],
      ['g2', true],
    ]);

    // Deleting ends its refresh loop and removes its history.
    expect((await t.api.delete(`/api/crm/segments/${seg.body.id}`)).status).toBe(204);
    expect((await t.api.get(`/api/crm/segments/${seg.body.id}`)).status).toBe(404);
    const described = await h.temporal.workflow.getHandle(segmentRefreshWorkflowId(t.tenantId, seg.body.id)).describe();
    expect(described.status.name).toBe('TERMINATED');
  });
});
