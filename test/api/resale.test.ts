import { createHarness, eventually, type ApiClient, type Harness } from '../helpers/harness';
import { createTenantWithKey, type TenantFixture } from '../helpers/fixtures';
import { join, newCustomer, setWaitlistSettings, soldOutEvent } from '../helpers/waitlist';
import { resalePayoutWorkflowId } from '../../workflows/resale/contract';

let h: Harness;
let t: TenantFixture;

interface Listing {
  id: number;
  status: string;
  asking_price_minor: number;
  max_allowed_price_minor: number;
  buyer_fee_minor: number;
  buyer_total_minor: number;
  seller_payout_minor: number;
  suggested_price_minor: number;
  buyer_customer_id: number | null;
}
interface Purchase {
  listing: Listing;
  transaction: {
    id: number;
    order_id: number;
    sale_price_minor: number;
    platform_fee_minor: number;
    seller_payout_minor: number;
    payout_status: string;
  };
  ticket: { id: number; code: string; status: string; customer_id: number };
}

beforeAll(async () => {
  h = await createHarness({ worker: true });
  t = await createTenantWithKey(h);
  await setWaitlistSettings(t, { min_listing_age_s: 0, payout_hold_s: 0, listing_notify_count: 2 });
});
afterAll(() => h.stop());

/** A verified seller holding one ticket of a sold-out event priced 100.00. */
async function sellerWithTicket(): Promise<{
  sellerApi: ApiClient;
  sellerId: number;
  ticketId: number;
  eventId: number;
  ticketTypeId: number;
}> {
  const f = await soldOutEvent(t, 1, 10_000);
  const token = await t.api.post<{ token: string }>(`/api/customers/${f.customerId}/tokens`, {});
  const { client } = await import('../helpers/harness');
  expect((await t.api.put(`/api/resale/sellers/${f.customerId}`, { verified: true })).status).toBe(200);
  return {
    sellerApi: client(h.baseUrl, token.body.token),
    sellerId: f.customerId,
    ticketId: f.ticketIds[0],
    eventId: f.eventId,
    ticketTypeId: f.ticketTypeId,
  };
}

describe('resale listing rules', () => {
  it('refuses a listing inside the waiting period, from an unverified seller, or above the price cap, with a code', async () => {
    const other = await createTenantWithKey(h, 'Strict defaults');
    const f = await soldOutEvent(other, 1, 10_000);
    const unverified = await other.api.post<{ code: string }>('/api/resale/list', {
      ticket_id: f.ticketIds[0],
      asking_price_minor: 10_000,
    });
    expect([unverified.status, unverified.body.code]).toEqual([422, 'seller_not_verified']);
    await other.api.put(`/api/resale/sellers/${f.customerId}`, { verified: true });
    const early = await other.api.post<{ code: string }>('/api/resale/list', {
      ticket_id: f.ticketIds[0],
      asking_price_minor: 10_000,
    });
    expect([early.status, early.body.code]).toEqual([422, 'listing_too_early']);

    const s = await sellerWithTicket();
    const above = await s.sellerApi.post<{ code: string; max_allowed_price_minor: number }>('/api/resale/list', {
      ticket_id: s.ticketId,
      asking_price_minor: 12_001,
    });
    expect([above.status, above.body.code, above.body.max_allowed_price_minor]).toEqual([
      422,
      'price_above_cap',
      12_000,
    ]);
    const atCap = await s.sellerApi.post<Listing>('/api/resale/list', {
      ticket_id: s.ticketId,
      asking_price_minor: 12_000,
    });
    expect(atCap.status).toBe(201);
    expect(atCap.body).toMatchObject({
      status: 'active',
      max_allowed_price_minor: 12_000,
      buyer_fee_minor: 360,
      buyer_total_minor: 12_360,
      seller_payout_minor: 12_000,
      suggested_price_minor: 10_000,
    });
    const twice = await s.sellerApi.post<{ code: string }>('/api/resale/list', {
      ticket_id: s.ticketId,
      asking_price_minor: 11_000,
    });
    expect([twice.status, twice.body.code]).toEqual([409, 'already_listed']);
    const raised = await s.sellerApi.put<{ code: string }>(`/api/resale/listings/${atCap.body.id}/price`, {
      asking_price_minor: 15_000,
    });
    expect([raised.status, raised.body.code]).toEqual([422, 'price_above_cap']);
    const lowered = await s.sellerApi.put<Listing>(`/api/resale/listings/${atCap.body.id}/price`, {
      asking_price_minor: 9_000,
    });
    expect([lowered.status, lowered.body.asking_price_minor]).toEqual([200, 9_000]);
  });

  it("follows the tenant's cap setting and limits a seller's active listings", async () => {
    const other = await createTenantWithKey(h, 'Tight cap');
    await setWaitlistSettings(other, {
      min_listing_age_s: 0,
      price_cap_percent: 100,
      max_active_listings_per_seller: 1,
      require_verified_seller: false,
    });
    const f = await soldOutEvent(other, 2, 5_000);
    const above = await other.api.post<{ code: string }>('/api/resale/list', {
      ticket_id: f.ticketIds[0],
      asking_price_minor: 5_001,
    });
    expect([above.status, above.body.code]).toEqual([422, 'price_above_cap']);
    expect(
      (await other.api.post('/api/resale/list', { ticket_id: f.ticketIds[0], asking_price_minor: 5_000 })).status,
    ).toBe(201);
    const second = await other.api.post<{ code: string }>('/api/resale/list', {
      ticket_id: f.ticketIds[1],
      asking_price_minor: 5_000,
    });
    expect([second.status, second.body.code]).toEqual([422, 'listing_limit_reached']);
  });

  it('lets only the seller change or withdraw a listing', async () => {
    const s = await sellerWithTicket();
    const listing = await s.sellerApi.post<Listing>('/api/resale/list', {
      ticket_id: s.ticketId,
      asking_price_minor: 10_000,
    });
    const stranger = await newCustomer(h, t);
    expect(
      (await stranger.api.put(`/api/resale/listings/${listing.body.id}/price`, { asking_price_minor: 1 })).status,
    ).toBe(404);
    expect((await stranger.api.delete(`/api/resale/listings/${listing.body.id}`)).status).toBe(404);
    const withdrawn = await s.sellerApi.delete<Listing>(`/api/resale/listings/${listing.body.id}`);
    expect([withdrawn.status, withdrawn.body.status]).toEqual([200, 'cancelled']);
    const buy = await stranger.api.post<{ code: string }>(`/api/resale/listings/${listing.body.id}/purchase`, {});
    expect([buy.status, buy.body.code]).toEqual([409, 'listing_not_available']);
  });

  it('refuses to list a ticket admitted at the gate, and to sell a listed ticket admitted since', async () => {
    const admit = async (seller: { eventId: number; ticketId: number }) => {
      const gate = await t.api.post<{ id: number }>('/api/checkin/gates', {
        event_id: seller.eventId,
        name: 'Resale gate',
      });
      const { code } = await h.owner('tickets').where({ id: seller.ticketId }).first('code');
      const scan = await t.api.post<{ verdict: string }>('/api/checkin/scan', {
        scan_id: `resale-admit-${seller.ticketId}`,
        code,
        gate_id: gate.body.id,
      });
      expect(scan.body).toMatchObject({ verdict: 'success' });
    };

    const s = await sellerWithTicket();
    await admit(s);
    const listed = await s.sellerApi.post<{ code: string }>('/api/resale/list', {
      ticket_id: s.ticketId,
      asking_price_minor: 10_000,
    });
    expect([listed.status, listed.body.code]).toEqual([422, 'ticket_admitted']);
    expect(await h.owner('resale_listings').where({ ticket_id: s.ticketId })).toEqual([]);

    const other = await sellerWithTicket();
    const listing = await other.sellerApi.post<Listing>('/api/resale/list', {
      ticket_id: other.ticketId,
      asking_price_minor: 10_000,
    });
    expect(listing.status).toBe(201);
    await admit(other);
    const buyer = await newCustomer(h, t, 'late-buyer');
    const bought = await buyer.api.post<{ code: string }>(`/api/resale/listings/${listing.body.id}/purchase`, {});
    expect([bought.status, bought.body.code]).toEqual([422, 'ticket_admitted']);
    expect(await h.owner('tickets').where({ id: other.ticketId }).first('status')).toEqual({ status: 'valid' });
    expect(await h.owner('resale_transactions').where({ listing_id: listing.body.id })).toEqual([]);
  });

  it('withdraws the listing of a ticket that is cancelled', async () => {
    const s = await sellerWithTicket();
    const listing = await s.sellerApi.post<Listing>('/api/resale/list', {
      ticket_id: s.ticketId,
      asking_price_minor: 10_000,
    });
    expect((await t.api.post(`/api/tickets/${s.ticketId}/cancel`, {})).status).toBe(200);
    await eventually(
      async () => (await t.api.get<Listing>(`/api/resale/listings/${listing.body.id}`)).body.status === 'cancelled',
      { what: 'listing withdrawn' },
    );
  });
});

describe('resale purchase', () => {
  it('charges price plus fee, voids the old code, issues a new ticket, records the sale and meters the fee, then pays the seller', async () => {
    const s = await sellerWithTicket();
    const oldCode = (await h.owner('tickets').where({ id: s.ticketId }).first()).code as string;
    const listing = await s.sellerApi.post<Listing>('/api/resale/list', {
      ticket_id: s.ticketId,
      asking_price_minor: 11_000,
    });
    const buyer = await newCustomer(h, t, 'buyer');

    const res = await buyer.api.post<Purchase>(`/api/resale/listings/${listing.body.id}/purchase`, {});
    expect(res.status).toBe(201);
    expect(res.body.listing).toMatchObject({
      status: 'sold',
      buyer_customer_id: buyer.id,
      buyer_fee_minor: 330,
      buyer_total_minor: 11_330,
    });
    expect(res.body.transaction).toMatchObject({
      sale_price_minor: 11_000,
      platform_fee_minor: 330,
      seller_payout_minor: 11_000,
    });
    expect(res.body.ticket).toMatchObject({ status: 'valid', customer_id: buyer.id });
    expect(res.body.ticket.code).not.toBe(oldCode);

    const order = await buyer.api.get<{ status: string; total_minor: number }>(
      `/api/orders/${res.body.transaction.order_id}`,
    );
    expect(order.body).toMatchObject({ status: 'paid', total_minor: 11_330 });
    expect(await h.owner('tickets').where({ code: oldCode }).first()).toMatchObject({
      status: 'voided',
      replaced_by_ticket_id: res.body.ticket.id,
    });
    // At the gate: the old code is refused, the buyer's new code admits.
    const event = await h.owner('tickets').where({ code: oldCode }).first('event_id');
    const gate = await t.api.post<{ id: number }>('/api/checkin/gates', {
      event_id: event.event_id,
      name: 'Main entrance',
    });
    const scan = (code: string, scanId: string) =>
      t.api.post<{ verdict: string; reason?: string }>('/api/checkin/scan', {
        scan_id: scanId,
        code,
        gate_id: gate.body.id,
      });
    expect((await scan(oldCode, `resale-old-${listing.body.id}`)).body).toMatchObject({
      verdict: 'invalid',
      reason: 'voided',
    });
    expect((await scan(res.body.ticket.code, `resale-new-${listing.body.id}`)).body).toMatchObject({
      verdict: 'success',
    });
    expect((await h.owner('ticket_types').where({ id: s.ticketTypeId }).first()).sold).toBe(1);

    const usage = await h
      .owner('usage_records')
      .where({ tenant_id: t.tenantId, meter: 'resale.fee', idempotency_key: `resale-fee-${listing.body.id}` });
    expect(usage.map((u) => u.amount_minor)).toEqual([330]);

    const mine = await s.sellerApi.get<{ items: Listing[] }>('/api/resale/my-listings');
    expect(mine.body.items.map((l) => [l.id, l.status])).toEqual([[listing.body.id, 'sold']]);
    const bought = await buyer.api.get<{ items: Listing[] }>('/api/resale/my-purchases');
    expect(bought.body.items.map((l) => l.id)).toEqual([listing.body.id]);
    expect((await s.sellerApi.get<{ items: Listing[] }>('/api/resale/my-purchases')).body.items).toEqual([]);

    const payout = h.temporal.workflow.getHandle(resalePayoutWorkflowId(t.tenantId, res.body.transaction.id));
    await eventually(() => payout.result().catch(() => undefined), { what: 'payout workflow finished' });
    const txn = await h.owner('resale_transactions').where({ id: res.body.transaction.id }).first();
    expect(txn).toMatchObject({
      payout_status: 'completed',
      payout_reference: `offline_payout_resale-payout-${t.tenantId}-${txn.id}`,
    });
    expect(txn.payout_note).toMatch(/manual payout/);
  });

  it('sells a listing raced by two buyers exactly once: one order, one clean 409', async () => {
    const s = await sellerWithTicket();
    const listing = await s.sellerApi.post<Listing>('/api/resale/list', {
      ticket_id: s.ticketId,
      asking_price_minor: 10_000,
    });
    const [b1, b2] = [await newCustomer(h, t), await newCustomer(h, t)];
    const results = await Promise.all(
      [b1, b2].map((b) => b.api.post<{ code?: string }>(`/api/resale/listings/${listing.body.id}/purchase`, {})),
    );
    expect(results.map((r) => r.status).sort()).toEqual([201, 409]);
    expect(results.find((r) => r.status === 409)?.body.code).toBe('listing_not_available');
    const orders = await h.owner('orders').whereIn('customer_id', [b1.id, b2.id]);
    expect(orders).toHaveLength(1);
    expect(await h.owner('resale_transactions').where({ listing_id: listing.body.id })).toHaveLength(1);
  });

  it('refuses to sell a listing to its own seller', async () => {
    const s = await sellerWithTicket();
    const listing = await s.sellerApi.post<Listing>('/api/resale/list', {
      ticket_id: s.ticketId,
      asking_price_minor: 10_000,
    });
    const res = await s.sellerApi.post<{ code: string }>(`/api/resale/listings/${listing.body.id}/purchase`, {});
    expect([res.status, res.body.code]).toEqual([422, 'own_listing']);
  });
});

describe('smart matching', () => {
  it('offers a new listing to the waitlist first: an opted-in entry buys it without a click, within its maximum', async () => {
    const s = await sellerWithTicket();
    const [cheap, keen, plain] = [
      await newCustomer(h, t, 'cheap'),
      await newCustomer(h, t, 'keen'),
      await newCustomer(h, t, 'plain'),
    ];
    const f = { eventId: s.eventId, ticketTypeId: s.ticketTypeId, customerId: 0 };
    await join(cheap.api, f, { auto_purchase: { max_price_minor: 10_000, payment_method: 'pm_card_visa' } });
    const keenEntry = await join(keen.api, f, {
      auto_purchase: { max_price_minor: 12_000, payment_method: 'pm_card_visa' },
    });
    await join(plain.api, f);

    const listing = await s.sellerApi.post<Listing>('/api/resale/list', {
      ticket_id: s.ticketId,
      asking_price_minor: 11_000,
    });
    const sold = await eventually(
      async () => {
        const l = await t.api.get<Listing>(`/api/resale/listings/${listing.body.id}`);
        return l.body.status === 'sold' && l.body;
      },
      { what: 'listing auto-bought' },
    );
    expect(sold.buyer_customer_id).toBe(keen.id);
    expect(
      (await keen.api.get<{ status: string; order_id: number }>(`/api/waitlist/position/${keenEntry.id}`)).body.status,
    ).toBe('purchased');
    expect(
      (await h.owner('tickets').where({ customer_id: keen.id, event_id: s.eventId })).map((x) => x.status),
    ).toEqual(['valid']);
    await eventually(
      async () => h.mail.some((m) => m.to.includes(keen.email) && /bought your ticket/.test(m.subject)),
      { what: 'auto-purchase e-mail' },
    );
  });

  it('tells the next entries in line about a listing nobody auto-bought, with a fair price', async () => {
    const s = await sellerWithTicket();
    const fans = [await newCustomer(h, t), await newCustomer(h, t), await newCustomer(h, t)];
    for (const fan of fans) await join(fan.api, { eventId: s.eventId, ticketTypeId: s.ticketTypeId, customerId: 0 });
    await s.sellerApi.post('/api/resale/list', { ticket_id: s.ticketId, asking_price_minor: 10_500 });
    await eventually(
      async () =>
        fans
          .slice(0, 2)
          .every((fan) => h.mail.some((m) => m.to.includes(fan.email) && /resale ticket/.test(m.subject))),
      { what: 'listing e-mails' },
    );
    const mail = h.mail.find((m) => m.to.includes(fans[0].email) && /resale ticket/.test(m.subject));
    expect(mail?.raw).toMatch(/fair price for it is 10000/);
    // listing_notify_count is 2: the third in line is not told.
    expect(h.mail.some((m) => m.to.includes(fans[2].email))).toBe(false);
  });
});
