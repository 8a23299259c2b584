import { randomBytes } from 'node:crypto';
import type { Db } from '../../db/connection';
import { insertEvent } from '../../db/events/events';
import { insertTicketType } from '../../db/events/ticket-types';
import { createApiKey } from '../../db/tenants/keys';
import { createTenant } from '../../db/tenants/tenants';
import { DEMO_EVENT_REF, seedDemo } from '../../scripts/demo-seed';
import { DEFAULT_DEMO_HISTORY, DEMO_HISTORY_REF } from '../../scripts/demo-history';
import { eventLifecycleWorkflowId, getEventLifecycleQuery } from '../../workflows/events/contract';
import { client, createHarness, eventually, type Harness } from '../helpers/harness';

let h: Harness;
beforeAll(async () => {
  h = await createHarness({ worker: true });
});
afterAll(async () => {
  await h?.stop();
});

// Workflow ids name the tenant, and the Temporal server is shared by every test file: a tenant of its own.
const demoTenant = () => `t_demo_${randomBytes(4).toString('hex')}`;

const TABLES = [
  'events',
  'ticket_types',
  'customers',
  'orders',
  'tickets',
  'checkin_gates',
  'checkin_devices',
  'checkin_gate_staff',
  'api_keys',
] as const;

/** Rows of the tenant outside the generated history of past events (which `history` counts). */
async function counts(owner: Db, tenantId: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  const history = owner('events')
    .where({ tenant_id: tenantId })
    .whereLike('external_ref', `${DEMO_HISTORY_REF}-%`)
    .select('id');
  for (const table of TABLES) {
    const q = owner(table).where({ tenant_id: tenantId });
    if (table === 'events') q.whereNotIn('id', history);
    else if (table === 'customers') q.whereRaw('email not like ?', [`${DEMO_HISTORY_REF}-%`]);
    else if (table !== 'api_keys' && table !== 'checkin_devices' && table !== 'checkin_gate_staff')
      q.whereNotIn('event_id', history);
    const [{ n }] = await q.count<{ n: string }[]>('* as n');
    out[table] = Number(n);
  }
  const [{ n: past }] = await owner('events')
    .where({ tenant_id: tenantId })
    .whereLike('external_ref', `${DEMO_HISTORY_REF}-%`)
    .count<{ n: string }[]>('* as n');
  out.history_events = Number(past);
  const [{ n }] = await owner('outbox')
    .where({ tenant_id: tenantId, type: 'event.created' })
    .count<{ n: string }[]>('* as n');
  out['outbox event.created'] = Number(n);
  return out;
}

/** The lifecycle workflow of the event, once the worker's outbox dispatcher has started it. */
async function lifecycle(tenantId: string, eventId: number) {
  const handle = h.temporal.workflow.getHandle(eventLifecycleWorkflowId(tenantId, eventId));
  const described = await eventually(() => handle.describe().catch(() => undefined), {
    timeoutMs: 20_000,
    what: 'the event-lifecycle workflow to start',
  });
  return { described, state: await handle.query(getEventLifecycleQuery) };
}

it('seeds gates, scanners, staff and paid tickets once, and the worker starts the lifecycle timer of the demo event', async () => {
  const tenantId = demoTenant();
  const first = await seedDemo(h.config, undefined, { tenantId });
  const seeded = await counts(h.owner, tenantId);
  const second = await seedDemo(h.config, first, { tenantId });
  expect(second).toEqual(first);
  expect(await counts(h.owner, tenantId)).toEqual(seeded);
  expect(seeded).toMatchObject({
    events: 1,
    ticket_types: 2,
    checkin_gates: 3,
    checkin_devices: 4,
    checkin_gate_staff: 4,
    api_keys: 1,
    'outbox event.created': 1,
    history_events: DEFAULT_DEMO_HISTORY.pastEvents + DEFAULT_DEMO_HISTORY.upcomingEvents,
  });
  expect(seeded.tickets).toBeGreaterThanOrEqual(300);

  // What a newcomer's dashboard and scanners find, through the API with the demo key.
  const api = client(h.baseUrl, first.apiKey);
  const event = await api.get<{
    external_ref: string;
    allow_reentry: boolean;
    ticket_types: { id: number; name: string; sold: number }[];
  }>(`/api/events/${first.eventId}`);
  expect(event.body).toMatchObject({ external_ref: DEMO_EVENT_REF, allow_reentry: true });
  const vip = event.body.ticket_types.find((t) => t.name === 'VIP');
  expect(vip?.sold).toBeGreaterThanOrEqual(30);
  const gates = await api.get<{
    items: { id: number; name: string; is_vip: boolean; ticket_type_ids: number[] | null }[];
  }>(`/api/checkin/events/${first.eventId}/gates`);
  expect(gates.body.items.map((g) => [g.name, g.is_vip, g.ticket_type_ids])).toEqual([
    ['North', false, null],
    ['South', false, null],
    ['VIP', true, [vip?.id]],
  ]);
  const devices = await api.get<{ items: { gate_id: number; staff_ref: string | null }[] }>(
    `/api/checkin/events/${first.eventId}/devices`,
  );
  expect(devices.body.items).toHaveLength(4);
  for (const d of devices.body.items) {
    expect(gates.body.items.map((g) => g.id)).toContain(d.gate_id);
    expect(d.staff_ref).toMatch(/^staff-/);
  }
  const staff = await api.get<{ items: unknown[] }>(`/api/checkin/gates/${gates.body.items[0].id}/staff`);
  expect(staff.body.items).toHaveLength(2);

  const { described, state } = await lifecycle(tenantId, first.eventId);
  expect(described.status.name).toBe('RUNNING');
  expect(described.type).toBe('eventLifecycleWorkflow');
  expect(described.taskQueue).toBe(h.config.TEMPORAL_TASK_QUEUE);
  expect(state.status).toBe('scheduled');
});

it('completes a demo event seeded by an earlier version: gates, tickets and its lifecycle timer', async () => {
  const tenantId = demoTenant();
  // What the seed wrote before gates and the outbox: an event, its two ticket types, a key.
  await createTenant(h.owner, { id: tenantId, name: 'Demo Promotions' });
  const { key } = await createApiKey(h.owner, tenantId, 'demo', ['admin']);
  const starts = new Date(Date.now() + 30 * 86_400_000);
  const event = await h.owner.transaction(async (tx) => {
    const row = await insertEvent(tx, tenantId, {
      name: 'Usher Demo Night',
      venue_name: 'Tempodrom',
      timezone: 'Europe/Berlin',
      starts_at: starts.toISOString(),
      ends_at: new Date(starts.getTime() + 4 * 3_600_000).toISOString(),
      capacity: 500,
      status: 'on_sale',
    });
    await insertTicketType(tx, tenantId, row.id, {
      name: 'General admission',
      price_minor: 4500,
      currency: 'EUR',
      inventory: 450,
    });
    await insertTicketType(tx, tenantId, row.id, { name: 'VIP', price_minor: 12000, currency: 'EUR', inventory: 50 });
    return row;
  });

  const demo = await seedDemo(h.config, { tenantId, apiKey: key, eventId: event.id }, { tenantId });
  expect(demo).toEqual({ tenantId, apiKey: key, eventId: event.id });
  const seeded = await counts(h.owner, tenantId);
  expect(seeded).toMatchObject({ events: 1, checkin_gates: 3, checkin_devices: 4, 'outbox event.created': 1 });
  await seedDemo(h.config, demo, { tenantId });
  expect(await counts(h.owner, tenantId)).toEqual(seeded);
  expect((await lifecycle(tenantId, event.id)).described.status.name).toBe('RUNNING');
});
