import { createHarness, type Harness } from '../helpers/harness';
import { createTenantWithKey, type TenantFixture } from '../helpers/fixtures';
import { newCustomerId, seasonPackage, seriesEvent, subscribe } from './allocation-fixtures';

let h: Harness;
let t: TenantFixture;

beforeAll(async () => {
  h = await createHarness({ worker: true });
  t = await createTenantWithKey(h);
});
afterAll(() => h.stop());

const order = (eventId: number, ticketTypeId: number, customerId: number) =>
  t.api.post<{ code?: string; total_minor?: number; items?: { unit_price_minor: number }[] }>('/api/orders', {
    event_id: eventId,
    customer_id: customerId,
    items: [{ ticket_type_id: ticketTypeId, quantity: 2 }],
  });

describe('member presale and discount at order placement', () => {
  it('admits members before general sale and refuses others with 403 presale_members_only', async () => {
    // A flex package: its members hold no seats, so the event's inventory is only what is sold here.
    const pkg = await seasonPackage(h, t, {
      type: 'flex',
      seriesTag: 'presale-a',
      benefits: { presale_hours: 48, discount_percent: 10 },
    });
    const member = await newCustomerId(t, 'member');
    await subscribe(h, t, pkg, member, 1);
    const salesStartAt = new Date(Date.now() + 24 * 3_600_000).toISOString();
    const e = await seriesEvent(t, { tags: ['presale-a'], salesStartAt, price: 4500 });

    const early = await order(e.eventId, e.ticketTypeId, member);
    expect(early.status).toBe(201);
    expect(early.body.total_minor).toBe(2 * 4050);

    const refused = await order(e.eventId, e.ticketTypeId, await newCustomerId(t, 'public'));
    expect([refused.status, refused.body.code]).toEqual([403, 'presale_members_only']);
    expect(refused.headers.get('content-type')).toMatch(/application\/problem\+json/);

    // Without a member presale for the event, an early order is simply not on sale yet.
    const plain = await seriesEvent(t, { tags: ['no-season'], salesStartAt });
    const notYet = await order(plain.eventId, plain.ticketTypeId, member);
    expect([notYet.status, notYet.body.code]).toEqual([422, 'not_on_sale']);
  });

  it('does not open the presale before its window, nor to a paused member', async () => {
    const pkg = await seasonPackage(h, t, { type: 'flex', seriesTag: 'presale-b', benefits: { presale_hours: 12 } });
    const member = await newCustomerId(t, 'member');
    await subscribe(h, t, pkg, member, 1);
    const salesStartAt = new Date(Date.now() + 24 * 3_600_000).toISOString();
    const e = await seriesEvent(t, { tags: ['presale-b'], salesStartAt });
    const tooEarly = await order(e.eventId, e.ticketTypeId, member);
    expect([tooEarly.status, tooEarly.body.code]).toEqual([422, 'not_on_sale']);

    const open = await seasonPackage(h, t, { type: 'flex', seriesTag: 'presale-c', benefits: { presale_hours: 48 } });
    const paused = await newCustomerId(t, 'paused');
    const sub = await subscribe(h, t, open, paused, 1);
    await h.owner('season_subscriptions').where({ id: sub }).update({ status: 'paused', paused_until: salesStartAt });
    const later = await seriesEvent(t, { tags: ['presale-c'], salesStartAt });
    const refused = await order(later.eventId, later.ticketTypeId, paused);
    expect([refused.status, refused.body.code]).toEqual([403, 'presale_members_only']);
  });

  it('sells an event tagged members-only to members of that package alone, with 403 members_only_event', async () => {
    const pkg = await seasonPackage(h, t, {
      type: 'flex',
      seriesTag: 'members-a',
      benefits: { member_only_event_tags: ['premiere-a'] },
    });
    const member = await newCustomerId(t, 'member');
    await subscribe(h, t, pkg, member, 1);
    const premiere = await seriesEvent(t, { tags: ['premiere-a'] });
    expect((await order(premiere.eventId, premiere.ticketTypeId, member)).status).toBe(201);
    const refused = await order(premiere.eventId, premiere.ticketTypeId, await newCustomerId(t, 'public'));
    expect([refused.status, refused.body.code]).toEqual([403, 'members_only_event']);
    const open = await seriesEvent(t, { tags: ['members-a'] });
    expect((await order(open.eventId, open.ticketTypeId, await newCustomerId(t, 'public'))).status).toBe(201);
  });

  it('prices extra tickets of members with the discount, rounded half up; others pay the list price', async () => {
    const pkg = await seasonPackage(h, t, {
      type: 'flex',
      seriesTag: 'discount-a',
      benefits: { discount_percent: 15 },
    });
    const member = await newCustomerId(t, 'member');
    await subscribe(h, t, pkg, member, 1);
    const e = await seriesEvent(t, { tags: ['discount-a'], price: 4999 });
    const mine = await order(e.eventId, e.ticketTypeId, member);
    expect([mine.status, mine.body.total_minor]).toEqual([201, 2 * 4249]);
    const theirs = await order(e.eventId, e.ticketTypeId, await newCustomerId(t, 'public'));
    expect([theirs.status, theirs.body.total_minor]).toEqual([201, 2 * 4999]);
  });
});
