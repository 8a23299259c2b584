import { createHarness, eventually, type Harness } from '../helpers/harness';
import { createTenantWithKey, type TenantFixture } from '../helpers/fixtures';
import { recordHistory } from '../helpers/histories';
import {
  eventLifecycleWorkflowId,
  getEventLifecycleQuery,
  type EventLifecycleState,
} from '../../workflows/events/contract';

let h: Harness;
let t: TenantFixture;

beforeAll(async () => {
  h = await createHarness({ worker: true });
  t = await createTenantWithKey(h);
});
afterAll(() => h.stop());

async function createEventEndingIn(ms: number): Promise<number> {
  const res = await t.api.post<{ id: number }>('/api/events', {
    name: 'Short gig',
    venue: { name: 'Club' },
    timezone: 'UTC',
    capacity: 10,
    status: 'on_sale',
    starts_at: new Date(Date.now() - 3_600_000).toISOString(),
    ends_at: new Date(Date.now() + ms).toISOString(),
  });
  expect(res.status).toBe(201);
  return res.body.id;
}

const handleFor = (eventId: number) => h.temporal.workflow.getHandle(eventLifecycleWorkflowId(t.tenantId, eventId));

describe('event lifecycle: event.ended from a durable timer', () => {
  it('ends the event and announces event.ended once when its end time passes', async () => {
    const eventId = await createEventEndingIn(2000);
    const handle = await eventually(
      async () => {
        try {
          await handleFor(eventId).describe();
          return handleFor(eventId);
        } catch {
          return undefined;
        }
      },
      { what: 'lifecycle workflow started' },
    );
    expect((await handle.query(getEventLifecycleQuery)).status).toBe('scheduled');
    expect(await handle.result()).toMatchObject({ status: 'ended' });
    expect((await t.api.get<{ status: string }>(`/api/events/${eventId}`)).body.status).toBe('ended');
    expect(await h.owner('outbox').where({ type: 'event.ended', aggregate_id: String(eventId) })).toHaveLength(1);
    const audit = await h
      .owner('audit_log')
      .where({ action: 'event.ended', entity_id: String(eventId) })
      .first();
    expect(audit).toMatchObject({ actor_type: 'workflow', actor_id: eventLifecycleWorkflowId(t.tenantId, eventId) });
    await recordHistory(h.temporal, handle.workflowId, 'event-lifecycle-ended');
  });

  it('follows a rescheduled end time', async () => {
    const eventId = await createEventEndingIn(1500);
    await eventually(
      async () => {
        try {
          return !!(await handleFor(eventId).describe());
        } catch {
          return false;
        }
      },
      { what: 'lifecycle workflow started' },
    );
    const later = new Date(Date.now() + 4000).toISOString();
    expect((await t.api.patch(`/api/events/${eventId}`, { ends_at: later })).status).toBe(200);
    await eventually(async () => (await handleFor(eventId).query(getEventLifecycleQuery)).endsAt === later, {
      what: 'reschedule signal',
    });
    const final = (await handleFor(eventId).result()) as EventLifecycleState;
    expect(final).toMatchObject({ status: 'ended', endsAt: later });
    // It ended at the new time, not the original one.
    const ended = await h
      .owner('outbox')
      .where({ type: 'event.ended', aggregate_id: String(eventId) })
      .first();
    expect(new Date(ended.created_at).getTime()).toBeGreaterThanOrEqual(Date.parse(later));
  });

  it('stops the timer when the event is cancelled', async () => {
    const eventId = await createEventEndingIn(60_000);
    await eventually(
      async () => {
        try {
          return !!(await handleFor(eventId).describe());
        } catch {
          return false;
        }
      },
      { what: 'lifecycle workflow started' },
    );
    expect((await t.api.patch(`/api/events/${eventId}`, { status: 'cancelled' })).status).toBe(200);
    expect(await handleFor(eventId).result()).toMatchObject({ status: 'cancelled' });
    expect(await h.owner('outbox').where({ type: 'event.ended', aggregate_id: String(eventId) })).toHaveLength(0);
    await recordHistory(h.temporal, handleFor(eventId).workflowId, 'event-lifecycle-cancelled');
  });
});
