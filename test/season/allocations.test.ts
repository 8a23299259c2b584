import { createHarness, eventually, type Harness } from '../helpers/harness';
import { createTenantWithKey, type TenantFixture } from '../helpers/fixtures';
import { newCustomer } from '../helpers/waitlist';
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

const allocated = (eventId: number, n: number) =>
  eventually(
    async () => {
      const items = await allocationsOf(t, { event_id: eventId });
      return items.length === n && items;
    },
    { what: `${n} allocations of event ${eventId}` },
  );

describe('season seats and allocations', () => {
  it('allocates every event of the season to each member, including an event added later', async () => {
    const pkg = await seasonPackage(h, t, { seriesTag: 'series-a' });
    const [c1, c2] = [await newCustomerId(t), await newCustomerId(t)];
    const [s1, s2] = [await subscribe(h, t, pkg, c1), await subscribe(h, t, pkg, c2)];
    const seat = await t.api.put(`/api/season/subscriptions/${s1}/seat`, { section: 'Stalls', row: 'c', seat: '12' });
    expect([seat.status, seat.body]).toEqual([200, expect.objectContaining({ row: 'C', seat: '12' })]);
    const taken = await t.api.put<{ code: string }>(`/api/season/subscriptions/${s2}/seat`, {
      section: 'Stalls',
      row: 'C',
      seat: '12',
    });
    expect([taken.status, taken.body.code]).toEqual([409, 'seat_taken']);

    const events = [];
    for (let i = 0; i < 3; i++) events.push(await seriesEvent(t, { tags: ['series-a'] }));
    const other = await seriesEvent(t, { tags: ['other-series'] });
    for (const e of events) {
      const items = await allocated(e.eventId, 2);
      expect(items.map((a) => [a.subscription_id, a.status, a.kind]).sort()).toEqual(
        [
          [s1, 'allocated', 'seat'],
          [s2, 'allocated', 'seat'],
        ].sort(),
      );
      expect(items.find((a) => a.subscription_id === s1)).toMatchObject({ section: 'Stalls', row: 'C', seat: '12' });
      expect(await soldOf(h, e.ticketTypeId)).toBe(2);
    }

    const later = await seriesEvent(t, { tags: ['series-a', 'added-later'] });
    await allocated(later.eventId, 2);
    expect(await allocationsOf(t, { event_id: other.eventId })).toEqual([]);
    expect(await allocationsOf(t, { subscription_id: s1 })).toHaveLength(4);

    // Claiming issues a real ticket for the seat, through the orders path.
    const mine = (await allocationsOf(t, { event_id: later.eventId })).find(
      (a) => a.subscription_id === s1,
    ) as AllocationView;
    const claim = await t.api.post<AllocationView>(`/api/season/allocations/${mine.id}/claim`);
    expect(claim.status).toBe(200);
    expect(claim.body).toMatchObject({ status: 'claimed', ticket_id: expect.any(Number) });
    const ticket = await t.api.get<{ status: string; section: string; seat: string; customer_id: number }>(
      `/api/tickets/${claim.body.ticket_id}`,
    );
    expect(ticket.body).toMatchObject({ status: 'valid', section: 'Stalls', seat: 'Row C, Seat 12', customer_id: c1 });
    expect(await soldOf(h, later.ticketTypeId)).toBe(2);
    const again = await t.api.post<{ code: string }>(`/api/season/allocations/${mine.id}/claim`);
    expect([again.status, again.body.code]).toEqual([409, 'allocation_not_claimable']);
  });

  it('never lets concurrent single-ticket sales take a held seat', async () => {
    const pkg = await seasonPackage(h, t, { seriesTag: 'series-b' });
    const members = [];
    for (let i = 0; i < 3; i++) members.push(await subscribe(h, t, pkg, await newCustomerId(t)));
    const e = await seriesEvent(t, { tags: ['series-b'], inventory: 5 });
    await allocated(e.eventId, 3);

    const buyer = await newCustomerId(t, 'buyer');
    const sales = await Promise.all(
      Array.from({ length: 8 }, () =>
        t.api.post('/api/orders', {
          event_id: e.eventId,
          customer_id: buyer,
          items: [{ ticket_type_id: e.ticketTypeId, quantity: 1 }],
        }),
      ),
    );
    expect(sales.filter((s) => s.status === 201)).toHaveLength(2);
    expect(sales.filter((s) => s.status === 409)).toHaveLength(6);
    for (const a of await allocationsOf(t, { event_id: e.eventId }))
      expect((await t.api.post(`/api/season/allocations/${a.id}/claim`)).status).toBe(200);
    const valid = await h
      .owner('tickets')
      .where({ ticket_type_id: e.ticketTypeId, status: 'valid' })
      .count<{ count: string }[]>();
    expect(Number(valid[0].count)).toBe(5);
    expect(await soldOf(h, e.ticketTypeId)).toBe(5);
  });

  it('credits the holder when a released seat sells again', async () => {
    const pkg = await seasonPackage(h, t, { seriesTag: 'series-c' });
    const holder = await newCustomerId(t, 'holder');
    await subscribe(h, t, pkg, holder);
    const e = await seriesEvent(t, { tags: ['series-c'], inventory: 2, price: 5000 });
    const [a] = await allocated(e.eventId, 1);
    const released = await t.api.post<AllocationView>(`/api/season/allocations/${a.id}/release`);
    expect([released.status, released.body.status, released.body.release_reason]).toEqual([200, 'released', 'holder']);
    expect(await soldOf(h, e.ticketTypeId)).toBe(0);

    const buyer = await newCustomerId(t, 'buyer');
    const buy = () =>
      t.api.post('/api/orders', {
        event_id: e.eventId,
        customer_id: buyer,
        items: [{ ticket_type_id: e.ticketTypeId, quantity: 1 }],
      });
    expect((await buy()).status).toBe(201);
    // One seat of two is still free: released seats sell last, so nothing is owed yet.
    await eventually(
      async () =>
        !(await h
          .owner('outbox')
          .where({ tenant_id: t.tenantId, type: 'order.created' })
          .whereNull('dispatched_at')
          .first()),
    );
    expect((await t.api.get<AllocationView>(`/api/season/allocations/${a.id}`)).body.resold_order_id).toBeNull();

    const second = await buy();
    expect(second.status).toBe(201);
    const credited = await eventually(
      async () => {
        const v = (await t.api.get<AllocationView>(`/api/season/allocations/${a.id}`)).body;
        return v.credit_entry_id !== null && v;
      },
      { what: 'the release credit' },
    );
    expect(credited.resold_order_id).toBe((second.body as { id: number }).id);
    const credit = await t.api.get<{ balances: { currency: string; balance_minor: number }[] }>(
      `/api/customers/${holder}/store-credit`,
    );
    expect(credit.body.balances).toEqual([{ currency: 'EUR', balance_minor: 5000 }]);
  });

  it("answers 404 for another tenant's allocations and another customer's", async () => {
    const pkg = await seasonPackage(h, t, { seriesTag: 'series-d' });
    const owner = await newCustomer(h, t, 'owner');
    await subscribe(h, t, pkg, owner.id);
    const e = await seriesEvent(t, { tags: ['series-d'] });
    const [a] = await allocated(e.eventId, 1);

    const other = await createTenantWithKey(h, 'Other tenant');
    expect((await other.api.get(`/api/season/allocations/${a.id}`)).status).toBe(404);
    expect((await other.api.post(`/api/season/allocations/${a.id}/claim`)).status).toBe(404);
    expect((await other.api.get<{ items: unknown[] }>('/api/season/allocations')).body.items).toEqual([]);

    const stranger = await newCustomer(h, t, 'stranger');
    expect((await stranger.api.get(`/api/season/allocations/${a.id}`)).status).toBe(404);
    expect((await stranger.api.post(`/api/season/allocations/${a.id}/release`)).status).toBe(404);
    expect(
      (await stranger.api.get<{ items: unknown[] }>(`/api/season/allocations?event_id=${e.eventId}`)).body.items,
    ).toEqual([]);
    expect((await owner.api.get(`/api/season/allocations/${a.id}`)).status).toBe(200);
  });
});
