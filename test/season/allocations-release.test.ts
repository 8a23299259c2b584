import { createHarness, eventually, type Harness } from '../helpers/harness';
import { createTenantWithKey, type TenantFixture } from '../helpers/fixtures';
import { recordHistory } from '../helpers/histories';
import { seasonAllocationReleaseWorkflowId } from '../../workflows/season/allocation-release-contract';
import {
  allocationsOf,
  newCustomerId,
  seasonPackage,
  seriesEvent,
  soldOf,
  subscribe,
  type AllocationView,
} from './allocation-fixtures';

let h: Harness;
let t: TenantFixture;

beforeAll(async () => {
  h = await createHarness({ worker: true });
  t = await createTenantWithKey(h);
});
afterAll(() => h.stop());

const HOUR = 3_600_000;

describe('unclaimed season seats', () => {
  it('warns the holder, then releases unclaimed seats before the event, claimed ones stay', async () => {
    // Defaults: warned 72 h before the event (already past: at once), released 48 h before (in a few seconds).
    const pkg = await seasonPackage(h, t, { seriesTag: 'release-a' });
    const idle = await newCustomerId(t, 'idle');
    const keen = await newCustomerId(t, 'keen');
    const [subIdle, subKeen] = [await subscribe(h, t, pkg, idle), await subscribe(h, t, pkg, keen)];
    const e = await seriesEvent(t, { tags: ['release-a'], startsInMs: 48 * HOUR + 12_000 });
    const items = await eventually(async () => {
      const all = await allocationsOf(t, { event_id: e.eventId });
      return all.length === 2 && all;
    });
    const kept = items.find((a) => a.subscription_id === subKeen) as AllocationView;
    expect((await t.api.post(`/api/season/allocations/${kept.id}/claim`)).status).toBe(200);

    const idleEmail = ((await h.owner('customers').where({ id: idle }).first('email')) as { email: string }).email;
    await eventually(
      async () => h.mail.find((m) => m.to.includes(idleEmail) && /Claim your season seat/.test(m.subject)),
      {
        what: 'the warning e-mail',
      },
    );
    const released = await eventually(
      async () => {
        const a = (await allocationsOf(t, { subscription_id: subIdle }))[0];
        return a.status === 'released' && a;
      },
      { timeoutMs: 30_000, what: 'the unclaimed release' },
    );
    expect(released).toMatchObject({ release_reason: 'unclaimed', warned_at: expect.any(String) });
    expect((await allocationsOf(t, { subscription_id: subKeen }))[0].status).toBe('claimed');
    expect(await soldOf(h, e.ticketTypeId)).toBe(1);

    const workflowId = seasonAllocationReleaseWorkflowId(t.tenantId, e.eventId);
    const result = (await h.temporal.workflow.getHandle(workflowId).result()) as { warned: number; released: number };
    expect(result).toMatchObject({ status: 'released', warned: 1, released: 1 });
    await recordHistory(h.temporal, workflowId, 'season-allocation-release');
  });

  it('exchanges an unclaimed seat for another event within the free exchanges, once', async () => {
    const pkg = await seasonPackage(h, t, { seriesTag: 'exchange-a', benefits: { free_exchanges: 1 } });
    const sub = await subscribe(h, t, pkg, await newCustomerId(t));
    const [e1, e2] = [await seriesEvent(t, { tags: ['exchange-a'] }), await seriesEvent(t, { tags: ['exchange-a'] })];
    const target = await seriesEvent(t, { tags: ['elsewhere'] });
    const [a1] = await eventually(async () => {
      const all = await allocationsOf(t, { event_id: e1.eventId });
      return all.length === 1 && all;
    });
    const [a2] = await eventually(async () => {
      const all = await allocationsOf(t, { event_id: e2.eventId });
      return all.length === 1 && all;
    });
    const ex = await t.api.post<{ from: AllocationView; to: AllocationView }>(
      `/api/season/allocations/${a1.id}/exchange`,
      {
        event_id: target.eventId,
      },
    );
    expect(ex.status).toBe(200);
    expect(ex.body.from.status).toBe('exchanged');
    expect(ex.body.to).toMatchObject({
      kind: 'exchange',
      status: 'claimed',
      event_id: target.eventId,
      subscription_id: sub,
    });
    expect(await soldOf(h, e1.ticketTypeId)).toBe(0);
    expect(await soldOf(h, target.ticketTypeId)).toBe(1);
    const second = await t.api.post<{ code: string }>(`/api/season/allocations/${a2.id}/exchange`, {
      event_id: target.eventId,
    });
    expect([second.status, second.body.code]).toEqual([422, 'no_free_exchanges']);
  });
});
