import { createHarness, type Harness } from '../helpers/harness';
import { createTenantWithKey, type TenantFixture } from '../helpers/fixtures';
import { groupEvent, roster, soldOf, type GroupBody, type GroupEvent, type Problem } from './fixtures';

let h: Harness;
let t: TenantFixture;
let other: TenantFixture;
let e: GroupEvent;

beforeAll(async () => {
  h = await createHarness();
  t = await createTenantWithKey(h, 'Club');
  other = await createTenantWithKey(h, 'Other club');
  e = await groupEvent(h, t);
}, 120_000);
afterAll(() => h.stop());

test('a group holds its seats at creation, all or none', async () => {
  const created = await e.leader.post<GroupBody>('/api/groups/groups', {
    event_id: e.eventId,
    name: 'Chess club',
    seats: [
      { ticket_type_id: e.ga, quantity: 12 },
      { ticket_type_id: e.vip, quantity: 2 },
    ],
  });
  expect(created.status).toBe(201);
  expect(created.body).toMatchObject({ size: 14, status: 'held', order_id: null });
  expect([await soldOf(h, e.ga), await soldOf(h, e.vip)]).toEqual([12, 2]);

  // 9 VIP seats do not fit in the 8 left: nothing is held, not even the GA seats asked for with them.
  const tooMany = await t.api.post<Problem>('/api/groups/groups', {
    event_id: e.eventId,
    leader_customer_id: e.leaderId,
    name: 'Too big',
    seats: [
      { ticket_type_id: e.ga, quantity: 5 },
      { ticket_type_id: e.vip, quantity: 9 },
    ],
  });
  expect([tooMany.status, tooMany.body.code]).toEqual([409, 'sold_out']);
  expect([await soldOf(h, e.ga), await soldOf(h, e.vip)]).toEqual([12, 2]);

  const noLeader = await t.api.post<Problem>('/api/groups/groups', {
    event_id: e.eventId,
    name: 'No leader',
    seats: [{ ticket_type_id: e.ga, quantity: 1 }],
  });
  expect(noLeader.status).toBe(400);
});

test('quotes apply size tiers, fixed group rates and N free per M; bad rules answer 400', async () => {
  const quote = async (ga: number, vip = 0) =>
    (
      await t.api.post<{ total_minor: number; percent_off: number; free_seats: number }>('/api/groups/quotes', {
        event_id: e.eventId,
        seats: [{ ticket_type_id: e.ga, quantity: ga }, ...(vip ? [{ ticket_type_id: e.vip, quantity: vip }] : [])],
      })
    ).body;
  expect(await quote(9)).toMatchObject({ total_minor: 36000, percent_off: 0 });
  expect(await quote(10)).toMatchObject({ total_minor: 36000, percent_off: 10 });
  expect(await quote(25)).toMatchObject({ total_minor: 85000, percent_off: 15 });

  const bad = await t.api.put<Problem>('/api/modules/groups', {
    settings: { size_tiers: [{ min_size: 10, percent_off: 120 }], free_per: { free: 5, per: 5 } },
  });
  expect(bad.status).toBe(400);
  const set = await t.api.put('/api/modules/groups', {
    settings: { fixed_rates: [{ ticket_type_id: e.vip, price_minor: 7000 }], free_per: { free: 1, per: 10 } },
  });
  expect(set.status).toBe(200);
  // 9 GA at 10% off (3600) + 1 VIP at the fixed 7000, and the cheapest of every 10 free.
  expect(await quote(9, 1)).toMatchObject({ total_minor: 8 * 3600 + 7000, free_seats: 1 });
  await t.api.put('/api/modules/groups', { settings: {} });
});

test('a CSV roster with bad rows answers 400 per row and writes nothing; a good one orders the group', async () => {
  const g = (
    await t.api.post<GroupBody>('/api/groups/groups', {
      event_id: e.eventId,
      leader_customer_id: e.leaderId,
      name: 'Choir',
      seats: [{ ticket_type_id: e.ga, quantity: 10 }],
    })
  ).body;
  const sold = await soldOf(h, e.ga);
  const csv = [
    'name,email,ticket_type',
    'Ann,ann@example.com,General admission',
    ',nobody@example.com,General admission',
    'Bob,not-an-email,General admission',
    'Cid,cid@example.com,Backstage',
    'Dee,ann@example.com,VIP',
  ].join('\n');
  const res = await t.api.post<Problem>(`/api/groups/groups/${g.id}/orders`, { roster_csv: csv });
  expect([res.status, res.body.code]).toEqual([400, 'invalid_roster']);
  expect(res.body.errors?.map((x) => x.path)).toEqual([
    'body.roster_csv.row[2].name',
    'body.roster_csv.row[3].email',
    'body.roster_csv.row[4].ticket_type',
    'body.roster_csv.row[5].email',
  ]);
  expect(await soldOf(h, e.ga)).toBe(sold);
  expect((await t.api.get<GroupBody>(`/api/groups/groups/${g.id}`)).body.order_id).toBeNull();

  // 11 GA (one more seat taken) and 1 VIP by id: 12 seats at 10% off.
  const good = `${roster(11, 'General admission')}\nVera,vera@example.com,${e.vip}`;
  const ordered = await t.api.post<{ group: GroupBody; quote: { total_minor: number } }>(
    `/api/groups/groups/${g.id}/orders`,
    { roster_csv: good },
  );
  expect(ordered.status).toBe(201);
  expect(ordered.body.group).toMatchObject({ size: 12, status: 'confirmed', owed_minor: 11 * 3600 + 9000 });
  expect(ordered.body.quote.total_minor).toBe(11 * 3600 + 9000);
  expect(await soldOf(h, e.ga)).toBe(sold + 1);
  const again = await t.api.post<Problem>(`/api/groups/groups/${g.id}/orders`, { roster_csv: good });
  expect([again.status, again.body.code]).toEqual([409, 'group_already_ordered']);
});

test("another tenant's groups and another leader's group answer 404", async () => {
  const mine = await e.leader.post<GroupBody>('/api/groups/groups', {
    event_id: e.eventId,
    name: 'Mine',
    seats: [{ ticket_type_id: e.ga, quantity: 1 }],
  });
  const otherLeader = await t.api.post<{ id: number }>('/api/customers', {
    email: 'lead2@example.com',
    name: 'Lead 2',
  });
  const theirs = await t.api.post<GroupBody>('/api/groups/groups', {
    event_id: e.eventId,
    leader_customer_id: otherLeader.body.id,
    name: 'Theirs',
    seats: [{ ticket_type_id: e.ga, quantity: 1 }],
  });
  expect((await e.leader.get(`/api/groups/groups/${theirs.body.id}`)).status).toBe(404);
  expect((await e.leader.post(`/api/groups/groups/${theirs.body.id}/orders`, { members: [] })).status).toBe(400);
  expect(
    (await e.leader.post(`/api/groups/groups/${theirs.body.id}/orders`, { roster_csv: roster(1, 'VIP') })).status,
  ).toBe(404);
  expect((await other.api.get(`/api/groups/groups/${mine.body.id}`)).status).toBe(404);
  const listed = await e.leader.get<{ items: { id: number }[] }>('/api/groups/groups');
  expect(listed.body.items.map((x) => x.id)).toContain(mine.body.id);
  expect(listed.body.items.map((x) => x.id)).not.toContain(theirs.body.id);
});
