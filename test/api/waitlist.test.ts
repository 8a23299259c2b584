import { createHarness, eventually, type Harness } from '../helpers/harness';
import { createOnSaleEvent, createTenantWithKey, type TenantFixture } from '../helpers/fixtures';
import { join, newCustomer, setWaitlistSettings, soldOutEvent, type Entry } from '../helpers/waitlist';
import { queuePriority } from '../../domain/waitlist/ordering';

let h: Harness;
let t: TenantFixture;

beforeAll(async () => {
  h = await createHarness({ worker: true });
  t = await createTenantWithKey(h);
  await setWaitlistSettings(t, { offer_window_s: 600 });
});
afterAll(() => h.stop());

const status = (id: number) => t.api.get<Entry>(`/api/waitlist/position/${id}`).then((r) => r.body.status);

describe('joining and leaving', () => {
  it('opens only when sold out or opened by the organiser; one active entry per customer and ticket type', async () => {
    const f = await createOnSaleEvent(t, { inventory: 10 });
    const fan = await newCustomer(h, t);
    const closed = await fan.api.post<{ code: string }>('/api/waitlist/join', {
      event_id: f.eventId,
      ticket_type_id: f.ticketTypeId,
    });
    expect([closed.status, closed.body.code]).toEqual([422, 'waitlist_closed']);
    expect((await t.api.put(`/api/waitlist/events/${f.eventId}`, { open: true })).status).toBe(200);

    const entry = await join(fan.api, f, { quantity: 2 });
    expect(entry).toMatchObject({ status: 'waiting', position: 1, waiting: 1, customer_id: fan.id });
    const twice = await fan.api.post<{ code: string }>('/api/waitlist/join', {
      event_id: f.eventId,
      ticket_type_id: f.ticketTypeId,
    });
    expect([twice.status, twice.body.code]).toEqual([409, 'already_on_waitlist']);
    const left = await fan.api.delete<Entry>(`/api/waitlist/${entry.id}`);
    expect([left.status, left.body.status, left.body.position]).toEqual([200, 'cancelled', null]);
    expect((await join(fan.api, f)).position).toBe(1);

    expect((await t.api.put(`/api/waitlist/events/${f.eventId}`, { open: false })).status).toBe(200);
    const late = await (
      await newCustomer(h, t)
    ).api.post<{ code: string }>('/api/waitlist/join', { event_id: f.eventId, ticket_type_id: f.ticketTypeId });
    expect([late.status, late.body.code]).toEqual([422, 'waitlist_closed']);
  });

  it("hides another customer's entry and needs the waitlist module", async () => {
    const f = await soldOutEvent(t);
    const [a, b] = [await newCustomer(h, t), await newCustomer(h, t)];
    const ea = await join(a.api, f);
    expect((await b.api.get(`/api/waitlist/position/${ea.id}`)).status).toBe(404);
    expect((await b.api.delete(`/api/waitlist/${ea.id}`)).status).toBe(404);
    expect((await b.api.get(`/api/waitlist/events/${f.eventId}/entries`)).status).toBe(403);

    const without = await createTenantWithKey(h, 'No waitlist', ['admin'], ['checkin']);
    const res = await without.api.post<{ code: string }>('/api/waitlist/join', {
      event_id: 1,
      ticket_type_id: 1,
      customer_id: 1,
    });
    expect([res.status, res.body.code]).toEqual([403, 'module_not_enabled']);
  });
});

describe('joins that arrive together', () => {
  it('are committed in shared transactions, each with its own answer, place and audit row; a refused one writes nothing', async () => {
    const f = await soldOutEvent(t);
    const other = await soldOutEvent(t);
    const listed = await newCustomer(h, t, 'listed');
    await join(listed.api, f);
    const fans = await Promise.all(Array.from({ length: 4 }, () => newCustomer(h, t, 'token-fan')));
    const body = (extra: Record<string, unknown>) => ({
      event_id: f.eventId,
      ticket_type_id: f.ticketTypeId,
      ...extra,
    });
    const email = (i: number) => `together-${f.eventId}-${i}@example.com`;

    const calls = await Promise.all([
      ...Array.from({ length: 30 }, (_, i) =>
        t.api.post<Entry>('/api/waitlist/join', body({ customer: { email: email(i), name: `Fan ${i}` } }), {
          'idempotency-key': `together-${f.eventId}-${i}`,
        }),
      ),
      ...fans.map((fan) => fan.api.post<Entry>('/api/waitlist/join', body({}))),
      // The same request twice under one key: one entry, the second answer replays the first.
      ...[0, 1].map(() =>
        t.api.post<Entry>('/api/waitlist/join', body({ customer: { email: email(100), name: 'Twin' } }), {
          'idempotency-key': `together-${f.eventId}-twin`,
        }),
      ),
      // The same customer twice under different keys: one joins, the other is refused.
      ...[0, 1].map((k) =>
        t.api.post<Entry>('/api/waitlist/join', body({ customer: { email: email(200), name: 'Double' } }), {
          'idempotency-key': `together-${f.eventId}-double-${k}`,
        }),
      ),
    ]);
    const refusals = await Promise.all([
      listed.api.post<{ code: string }>('/api/waitlist/join', body({})),
      t.api.post<{ code: string }>('/api/waitlist/join', body({ customer: { email: listed.email, name: 'Renamed' } }), {
        'idempotency-key': `together-${f.eventId}-listed`,
      }),
      t.api.post<{ code: string }>('/api/waitlist/join', body({ customer_id: 2 ** 31 - 1 })),
      t.api.post<{ code: string }>(
        '/api/waitlist/join',
        body({ ticket_type_id: other.ticketTypeId, customer: { email: email(300), name: 'Lost' } }),
      ),
      t.api.post<{ code: string }>(
        '/api/waitlist/join',
        body({ event_id: 2 ** 31 - 1, customer: { email: email(301), name: 'Lost' } }),
      ),
      t.api.post<{ code: string }>(
        '/api/waitlist/join',
        body({ customer_id: listed.id, customer: { email: email(302), name: 'Both' } }),
      ),
      fans[0].api.post<{ code: string }>('/api/waitlist/join', body({ customer_id: listed.id })),
    ]);
    expect(refusals.map((r) => [r.status, r.body.code])).toEqual([
      [409, 'already_on_waitlist'],
      [409, 'already_on_waitlist'],
      [422, 'unknown_customer'],
      [422, 'unknown_ticket_type'],
      [404, 'not_found'],
      [400, 'validation_failed'],
      [422, 'customer_fixed_by_token'],
    ]);

    const twins = calls.slice(34, 36);
    expect(twins.map((r) => r.status)).toEqual([201, 201]);
    expect(twins[0].body.id).toBe(twins[1].body.id);
    expect(twins.map((r) => r.headers.get('idempotent-replayed')).sort()).toEqual([null, 'true']);
    const doubles = calls.slice(36);
    expect(doubles.map((r) => r.status).sort()).toEqual([201, 409]);

    const joined = [...calls.slice(0, 34), twins[0], doubles.find((r) => r.status === 201) as (typeof doubles)[number]];
    expect(joined.map((r) => r.status)).toEqual(joined.map(() => 201));
    // Places are exact: the answered ones are those the queue shows, 2..37 behind the first entry.
    const queue = await t.api.get<{ items: Entry[] }>(`/api/waitlist/events/${f.eventId}/entries?limit=200`);
    expect(queue.body.items.map((e) => e.position)).toEqual(queue.body.items.map((_, i) => i + 1));
    const placeOf = new Map(queue.body.items.map((e) => [e.id, e.position]));
    expect(joined.map((r) => r.body.position).sort((a, b) => (a ?? 0) - (b ?? 0))).toEqual(
      Array.from({ length: 36 }, (_, i) => i + 2),
    );
    expect(joined.map((r) => r.body.position)).toEqual(joined.map((r) => placeOf.get(r.body.id)));
    expect(joined.every((r) => (r.body.waiting ?? 0) >= (r.body.position ?? Infinity))).toBe(true);

    // Group commit: the entries share transactions; every join left one audit row.
    const [{ transactions }] = await h
      .owner('waitlist_entries')
      .where({ event_id: f.eventId })
      .select(h.owner.raw('count(distinct xmin::text)::int as transactions'));
    expect(transactions).toBeLessThan(20);
    const audited = await h
      .owner('audit_log')
      .where({ tenant_id: t.tenantId, action: 'POST /api/waitlist/join' })
      .whereIn(
        'entity_id',
        joined.map((r) => String(r.body.id)),
      )
      .count<{ count: string }[]>({ count: '*' });
    expect(Number(audited[0].count)).toBe(36);
    // Refused joins wrote nothing: no customer was created or renamed, no key is left claimed.
    expect(
      await h
        .owner('customers')
        .where({ tenant_id: t.tenantId })
        .whereIn('email', [email(300), email(301), email(302)])
        .count<{ count: number }[]>({ count: '*' }),
    ).toEqual([{ count: 0 }]);
    expect((await h.owner('customers').where({ id: listed.id }).first()).name).toBe('listed');
    expect(
      await h
        .owner('idempotency_keys')
        .where({ tenant_id: t.tenantId, key: `together-${f.eventId}-listed` })
        .first(),
    ).toBeUndefined();
    const retried = await t.api.post<{ code: string }>(
      '/api/waitlist/join',
      body({ customer: { email: listed.email, name: 'Renamed' } }),
      { 'idempotency-key': `together-${f.eventId}-listed` },
    );
    expect([retried.status, retried.body.code]).toEqual([409, 'already_on_waitlist']);
  });
});

describe('queue order', () => {
  it('a random draw orders entries by the recorded seed, reproducibly, and positions follow it exactly', async () => {
    const f = await createOnSaleEvent(t, { inventory: 5 });
    const settings = await t.api.put<{ mode: string; seed: string }>(`/api/waitlist/events/${f.eventId}`, {
      mode: 'random',
      open: true,
    });
    expect(settings.body.mode).toBe('random');
    expect(settings.body.seed).toMatch(/^[0-9a-f]{32}$/);
    const entries: Entry[] = [];
    for (let i = 0; i < 12; i++) entries.push(await join((await newCustomer(h, t)).api, f));

    const drawn = [...entries].sort(
      (x, y) => queuePriority('random', settings.body.seed, x.id) - queuePriority('random', settings.body.seed, y.id),
    );
    const listed = await t.api.get<{ items: Entry[] }>(`/api/waitlist/events/${f.eventId}/entries?limit=200`);
    expect(listed.body.items.map((e) => e.id)).toEqual(drawn.map((e) => e.id));
    expect(listed.body.items.map((e) => e.position)).toEqual(drawn.map((_, i) => i + 1));
    expect(drawn.map((e) => e.id)).not.toEqual(entries.map((e) => e.id));
    // Each join answered its place among those who had joined by then.
    const rank = (prefix: Entry[], e: Entry) =>
      prefix.filter(
        (x) => queuePriority('random', settings.body.seed, x.id) < queuePriority('random', settings.body.seed, e.id),
      ).length + 1;
    expect(entries.map((e) => [e.position, e.waiting])).toEqual(
      entries.map((e, i) => [rank(entries.slice(0, i + 1), e), i + 1]),
    );
    const firstPage = await t.api.get<{ items: Entry[]; next_cursor: number }>(
      `/api/waitlist/events/${f.eventId}/entries?limit=5`,
    );
    const secondPage = await t.api.get<{ items: Entry[] }>(
      `/api/waitlist/events/${f.eventId}/entries?limit=5&after=${firstPage.body.next_cursor}`,
    );
    expect(secondPage.body.items.map((e) => e.id)).toEqual(drawn.slice(5, 10).map((e) => e.id));

    const locked = await t.api.put<{ code: string }>(`/api/waitlist/events/${f.eventId}`, { mode: 'first_come' });
    expect([locked.status, locked.body.code]).toEqual([409, 'waitlist_mode_locked']);
  });
});

describe('offers', () => {
  it('offers raised inventory to the next entries, skipping a group too large for what is free', async () => {
    const f = await soldOutEvent(t, 1);
    const [group, solo1, solo2] = [await newCustomer(h, t), await newCustomer(h, t), await newCustomer(h, t)];
    const eg = await join(group.api, f, { quantity: 3 });
    const e1 = await join(solo1.api, f);
    const e2 = await join(solo2.api, f);
    expect((await t.api.patch(`/api/ticket-types/${f.ticketTypeId}`, { inventory: 3 })).status).toBe(200);
    await eventually(async () => (await status(e1.id)) === 'notified' && (await status(e2.id)) === 'notified', {
      what: 'two solo entries offered',
    });
    expect(
      await t.api.get<Entry>(`/api/waitlist/position/${eg.id}`).then((r) => [r.body.status, r.body.position]),
    ).toEqual(['waiting', 1]);
    expect((await h.owner('ticket_types').where({ id: f.ticketTypeId }).first()).sold).toBe(3);
  });

  it('notify-next offers what is free now, up to a number of entries', async () => {
    const f = await createOnSaleEvent(t, { inventory: 5 });
    await t.api.put(`/api/waitlist/events/${f.eventId}`, { open: true });
    const entries: Entry[] = [];
    for (let i = 0; i < 3; i++) entries.push(await join((await newCustomer(h, t)).api, f));
    const res = await t.api.post<{ offers: { entry_id: number; quantity: number; expires_at: string }[] }>(
      '/api/waitlist/notify-next',
      { event_id: f.eventId, max_entries: 2 },
    );
    expect(res.status).toBe(200);
    expect(res.body.offers.map((o) => o.entry_id)).toEqual([entries[0].id, entries[1].id]);
    expect(new Date(res.body.offers[0].expires_at).getTime()).toBeGreaterThan(Date.now() + 500_000);
    expect(await status(entries[2].id)).toBe('waiting');
    const notified = await t.api.get<{ items: Entry[] }>(`/api/waitlist/events/${f.eventId}/entries?status=notified`);
    expect(notified.body.items.map((e) => e.id)).toEqual([entries[0].id, entries[1].id]);
  });
});
