import { withTenant } from '../../db/connection';
import { createTemplate } from '../../db/crm/templates';
import { AUTOMATION_TEMPLATES, durationSeconds, nextScheduledRun } from '../../domain/crm/automations';
import { validateTemplate } from '../../domain/crm/templates';
import { createHarness, type Harness } from '../helpers/harness';
import { createTenantWithKey, type TenantFixture } from '../helpers/fixtures';

let h: Harness;
let a: TenantFixture;
let b: TenantFixture;
let templateA: number;

beforeAll(async () => {
  h = await createHarness();
  a = await createTenantWithKey(h, 'Tenant A');
  b = await createTenantWithKey(h, 'Tenant B');
  templateA = (
    await withTenant(h.db, a.tenantId, (tx) =>
      createTemplate(tx, a.tenantId, {
        name: 'Hello',
        subject: 'Hello',
        mjml: '<mjml><mj-body><mj-section><mj-column><mj-text>Hi</mj-text></mj-column></mj-section></mj-body></mjml>',
      }),
    )
  ).id;
});
afterAll(() => h.stop());

interface Problem {
  code: string;
  errors?: { path: string; message: string }[];
}

const paths = (body: unknown): string[] => ((body as Problem).errors ?? []).map((e) => e.path);

describe('automation domain rules', () => {
  it('reads durations as text or seconds', () => {
    expect(durationSeconds('1 day')).toBe(86_400);
    expect(durationSeconds('7 days')).toBe(604_800);
    expect(durationSeconds('2 hours')).toBe(7200);
    expect(durationSeconds(45)).toBe(45);
    expect(() => durationSeconds('soon')).toThrow();
  });

  it('schedules the next run after the last one', () => {
    const after = new Date('2026-03-10T10:00:00Z');
    expect(nextScheduledRun({ kind: 'birthday', at_hour: 9 }, after).toISOString()).toBe('2026-03-11T09:00:00.000Z');
    expect(nextScheduledRun({ kind: 'birthday', at_hour: 11 }, after).toISOString()).toBe('2026-03-10T11:00:00.000Z');
    // 2026-03-10 is a Tuesday: the weekly run is on Monday the 16th.
    expect(nextScheduledRun({ kind: 'every', every: 'week' }, after).toISOString()).toBe('2026-03-16T09:00:00.000Z');
    expect(nextScheduledRun({ kind: 'every', every: 'month' }, after).toISOString()).toBe('2026-04-01T09:00:00.000Z');
  });

  it("ships the proposal's win-back exactly, and every built-in e-mail is valid MJML with known variables", async () => {
    const winBack = AUTOMATION_TEMPLATES.find((t) => t.key === 'win_back');
    expect(winBack?.trigger_config).toMatchObject({ event_type: 'order.created', no_purchase_for: { days: 90 } });
    expect(winBack?.steps).toEqual([
      { action_type: 'wait', action_config: { duration: '1 day' } },
      { action_type: 'email', email: 'miss_you' },
      { action_type: 'wait', action_config: { duration: '7 days' } },
      {
        action_type: 'condition',
        action_config: { check: 'purchased_since_enrolment', then: 'exit', else: 'continue' },
      },
      { action_type: 'email', email: 'reminder' },
      { action_type: 'wait', action_config: { duration: '14 days' } },
      {
        action_type: 'condition',
        action_config: { check: 'purchased_since_enrolment', then: 'exit', else: 'continue' },
      },
      { action_type: 'email', email: 'final_offer' },
    ]);
    expect(winBack?.emails[0].subject).toBe("We miss you! Here's 10% off");
    expect(AUTOMATION_TEMPLATES.map((t) => t.key).sort()).toEqual(
      ['birthday', 'post_event_thank_you', 'similar_events', 'welcome_series', 'win_back'].sort(),
    );
    for (const t of AUTOMATION_TEMPLATES) for (const e of t.emails) await validateTemplate(e);
  });
});

describe('automation routes', () => {
  it('lists the built-in templates', async () => {
    const res = await a.api.get<{ items: { key: string }[] }>('/api/crm/automation-templates');
    expect(res.status).toBe(200);
    expect(res.body.items.map((t) => t.key)).toContain('win_back');
  });

  it('creates, reads, lists, edits (a new version) and changes the status of an automation', async () => {
    const body = {
      name: 'Thanks',
      trigger_type: 'event',
      trigger_config: { event_type: 'event.ended' },
      steps: [
        { action_type: 'wait', action_config: { duration: '1 day' } },
        { action_type: 'email', action_config: { template_id: templateA } },
        { action_type: 'tag', action_config: { tag: 'thanked' } },
      ],
    };
    const created = await a.api.post<{ id: number; version: number; status: string; holdout_pct: number }>(
      '/api/crm/automations',
      body,
      { 'idempotency-key': 'create-thanks' },
    );
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ version: 1, status: 'draft', holdout_pct: 5 });
    const id = created.body.id;
    const replay = await a.api.post('/api/crm/automations', body, { 'idempotency-key': 'create-thanks' });
    expect([replay.status, replay.headers.get('idempotent-replayed')]).toEqual([201, 'true']);

    expect((await a.api.get(`/api/crm/automations/${id}`)).body).toMatchObject({ id, name: 'Thanks' });
    const list = await a.api.get<{ items: { id: number }[] }>('/api/crm/automations');
    expect(list.body.items.map((x) => x.id)).toContain(id);

    const patched = await a.api.patch<{ version: number; steps: unknown[]; name: string }>(
      `/api/crm/automations/${id}`,
      {
        name: 'Thank you',
        steps: [{ action_type: 'email', action_config: { template_id: templateA } }],
      },
    );
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ version: 2, name: 'Thank you' });
    expect(patched.body.steps).toHaveLength(1);
    const renamed = await a.api.patch<{ version: number }>(`/api/crm/automations/${id}`, { name: 'Thanks again' });
    expect(renamed.body.version).toBe(2);

    expect((await a.api.post(`/api/crm/automations/${id}/resume`)).status).toBe(422);
    expect((await a.api.post<{ status: string }>(`/api/crm/automations/${id}/activate`)).body.status).toBe('active');
    expect((await a.api.post<{ status: string }>(`/api/crm/automations/${id}/pause`)).body.status).toBe('paused');
    expect((await a.api.post<{ status: string }>(`/api/crm/automations/${id}/resume`)).body.status).toBe('active');

    const report = await a.api.get(`/api/crm/automations/${id}/report?window_days=7`);
    expect(report.status).toBe(200);
    expect(report.body).toMatchObject({ enrolled: 0, sent: 0, window_days: 7, conversion_rate: { treated: null } });
  });

  it('creates an automation from a template with its e-mail templates', async () => {
    await a.api.put('/api/modules/crm', { settings: { default_holdout_pct: 10 } });
    const res = await a.api.post<{
      template: string;
      holdout_pct: number;
      trigger_config: Record<string, unknown>;
      steps: { action_type: string; action_config: { template_id?: number } }[];
    }>('/api/crm/automations', { template: 'win_back' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ template: 'win_back', holdout_pct: 10 });
    expect(res.body.trigger_config).toMatchObject({ no_purchase_for: { days: 90 } });
    const ids = res.body.steps.filter((s) => s.action_type === 'email').map((s) => s.action_config.template_id);
    expect(ids).toHaveLength(3);
    const templates = await h.owner('email_templates').whereIn('id', ids as number[]);
    expect(templates.map((t: { subject: string }) => t.subject)).toContain("We miss you! Here's 10% off");
    expect(
      templates.every(
        (t: { tenant_id: string; mjml: string }) => t.tenant_id === a.tenantId && t.mjml.startsWith('<mjml>'),
      ),
    ).toBe(true);
  });

  it('answers 400 with the path of a bad trigger or step', async () => {
    const bad = async (body: unknown): Promise<string[]> => {
      const res = await a.api.post('/api/crm/automations', body);
      expect(res.status).toBe(400);
      return paths(res.body);
    };
    const base = {
      name: 'Bad',
      trigger_type: 'event',
      trigger_config: { event_type: 'order.created' },
      steps: [{ action_type: 'email', action_config: { template_id: templateA } }],
    };
    expect(await bad({ ...base, trigger_config: { event_type: 'order.exploded' } })).toEqual([
      'body.trigger_config.event_type',
    ]);
    expect(await bad({ ...base, trigger_type: 'segment_entry', trigger_config: {} })).toEqual([
      'body.trigger_config.segment_id',
    ]);
    expect(await bad({ ...base, trigger_type: 'schedule', trigger_config: { kind: 'every' } })).toEqual([
      'body.trigger_config.every',
    ]);
    expect(
      await bad({
        ...base,
        steps: [
          { action_type: 'wait', action_config: { duration: 'soonish' } },
          { action_type: 'condition', action_config: { check: 'in_segment' } },
          { action_type: 'webhook', action_config: { url: 'ftp://example.com' } },
          { action_type: 'teleport', action_config: {} },
        ],
      }),
    ).toEqual(
      expect.arrayContaining([
        'body.steps.0.action_config.duration',
        'body.steps.1.action_config.segment_id',
        'body.steps.2.action_config.url',
        'body.steps.3.action_type',
      ]),
    );
    expect(
      await bad({ ...base, steps: [{ action_type: 'email', action_config: { template_id: 99_999_999 } }] }),
    ).toEqual(['body.steps.0.action_config.template_id']);
    expect(await bad({ template: 'nope' })).toEqual(['body.template']);
    expect(await bad({ template: 'win_back', trigger_config: { no_purchase_for: { days: -1 } } })).toEqual([
      'body.trigger_config.no_purchase_for.days',
    ]);
    expect(await bad({ name: 'x' })).toEqual(expect.arrayContaining(['body.steps', 'body.trigger_type']));
    expect(await bad({ ...base, holdout_pct: 101 })).toEqual(['body.holdout_pct']);
  });

  it("keeps tenants apart: another tenant's automation answers 404, and its templates cannot be used", async () => {
    const mine = await a.api.post<{ id: number }>('/api/crm/automations', {
      name: 'Mine',
      trigger_type: 'manual',
      steps: [{ action_type: 'email', action_config: { template_id: templateA } }],
    });
    expect(mine.status).toBe(201);
    for (const url of [
      `/api/crm/automations/${mine.body.id}`,
      `/api/crm/automations/${mine.body.id}/enrolments`,
      `/api/crm/automations/${mine.body.id}/report`,
    ])
      expect((await b.api.get(url)).status).toBe(404);
    expect((await b.api.post(`/api/crm/automations/${mine.body.id}/activate`)).status).toBe(404);
    expect((await b.api.patch(`/api/crm/automations/${mine.body.id}`, { name: 'theirs' })).status).toBe(404);
    const list = await b.api.get<{ items: { id: number }[] }>('/api/crm/automations');
    expect(list.body.items.map((x) => x.id)).not.toContain(mine.body.id);
    const borrowed = await b.api.post('/api/crm/automations', {
      name: 'Borrowed',
      trigger_type: 'manual',
      steps: [{ action_type: 'email', action_config: { template_id: templateA } }],
    });
    expect([borrowed.status, paths(borrowed.body)]).toEqual([400, ['body.steps.0.action_config.template_id']]);
  });

  it('enrols by hand once per active enrolment, and not before activation', async () => {
    const created = await a.api.post<{ id: number }>('/api/crm/automations', {
      name: 'Manual',
      trigger_type: 'manual',
      steps: [{ action_type: 'wait', action_config: { duration: 3600 } }],
    });
    const customer = await a.api.post<{ id: number }>('/api/customers', { email: 'manual@example.com', name: 'M' });
    const url = `/api/crm/automations/${created.body.id}/enrolments`;
    expect((await a.api.post(url, { customer_id: customer.body.id })).status).toBe(422);
    await a.api.post(`/api/crm/automations/${created.body.id}/activate`);
    const first = await a.api.post<{ id: number; status: string }>(
      url,
      { customer_id: customer.body.id },
      {
        'idempotency-key': 'enrol-1',
      },
    );
    expect([first.status, first.body.status]).toEqual([201, 'running']);
    const again = await a.api.post(url, { customer_id: customer.body.id }, { 'idempotency-key': 'enrol-1' });
    expect(again.body).toEqual(first.body);
    expect((await a.api.post(url, { customer_id: customer.body.id })).status).toBe(409);
    expect((await b.api.post(url, { customer_id: customer.body.id })).status).toBe(404);
    const list = await a.api.get<{ items: { id: number }[] }>(url);
    expect(list.body.items.map((e) => e.id)).toEqual([first.body.id]);
  });
});
