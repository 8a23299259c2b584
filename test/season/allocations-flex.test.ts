import { createHarness, eventually, type Harness } from '../helpers/harness';
import { createTenantWithKey, type TenantFixture } from '../helpers/fixtures';
import { newCustomer } from '../helpers/waitlist';
import { seasonPackage, seriesEvent, subscribe, type AllocationView } from './allocation-fixtures';

let h: Harness;
let t: TenantFixture;

beforeAll(async () => {
  h = await createHarness({ worker: true });
  t = await createTenantWithKey(h);
});
afterAll(() => h.stop());

const creditsOf = async (subscriptionId: number): Promise<number> =>
  (
    (await h.owner('season_subscriptions').where({ id: subscriptionId }).first('flex_credits_remaining')) as {
      flex_credits_remaining: number;
    }
  ).flex_credits_remaining;

describe('flex credits', () => {
  it('spends the last credit once when two devices redeem at the same moment, and a refund returns it', async () => {
    const pkg = await seasonPackage(h, t, { type: 'flex', seriesTag: 'flex-a', flexCredits: 1 });
    const member = await newCustomer(h, t, 'flex');
    const sub = await subscribe(h, t, pkg, member.id, 1);
    const e = await seriesEvent(t, { tags: ['flex-a'], inventory: 10 });
    const redeem = () =>
      member.api.post<{ allocation: AllocationView; flex_credits_remaining: number; code?: string }>(
        `/api/season/subscriptions/${sub}/redeem`,
        { event_id: e.eventId, ticket_type_id: e.ticketTypeId },
      );
    const results = await Promise.all([redeem(), redeem()]);
    expect(results.map((r) => r.status).sort()).toEqual([201, 409]);
    const won = results.find((r) => r.status === 201)?.body;
    expect(results.find((r) => r.status === 409)?.body.code).toBe('no_flex_credits');
    expect(won).toMatchObject({ flex_credits_remaining: 0, allocation: { kind: 'flex', status: 'claimed' } });
    expect(await creditsOf(sub)).toBe(0);
    const ticketId = won?.allocation.ticket_id as number;
    expect((await t.api.get<{ status: string }>(`/api/tickets/${ticketId}`)).body.status).toBe('valid');

    // A cancelled (refunded) ticket gives the credit back, once.
    expect((await t.api.post(`/api/tickets/${ticketId}/cancel`)).status).toBe(200);
    await eventually(async () => (await creditsOf(sub)) === 1, { what: 'the credit returned' });
    const after = await t.api.get<AllocationView>(`/api/season/allocations/${won?.allocation.id}`);
    expect(after.body).toMatchObject({ status: 'released', release_reason: 'refunded' });
    expect((await redeem()).status).toBe(201);
    expect(await creditsOf(sub)).toBe(0);
  });

  it('refuses an event outside the flex package and a subscription of another customer', async () => {
    const pkg = await seasonPackage(h, t, { type: 'flex', seriesTag: 'flex-b', flexCredits: 2 });
    const member = await newCustomer(h, t, 'flex');
    const sub = await subscribe(h, t, pkg, member.id, 2);
    const outside = await seriesEvent(t, { tags: ['not-flex'] });
    const res = await member.api.post<{ code: string }>(`/api/season/subscriptions/${sub}/redeem`, {
      event_id: outside.eventId,
      ticket_type_id: outside.ticketTypeId,
    });
    expect([res.status, res.body.code]).toEqual([422, 'event_not_covered']);
    const stranger = await newCustomer(h, t, 'stranger');
    const foreign = await stranger.api.post(`/api/season/subscriptions/${sub}/redeem`, {
      event_id: outside.eventId,
      ticket_type_id: outside.ticketTypeId,
    });
    expect(foreign.status).toBe(404);
    expect(await creditsOf(sub)).toBe(2);
  });
});
