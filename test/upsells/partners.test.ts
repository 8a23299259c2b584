import { signWebhook } from '../../domain/webhooks/signature';
import { createHarness, client, type Harness } from '../helpers/harness';
import { createOnSaleEvent, createTenantWithKey, type TenantFixture } from '../helpers/fixtures';
import { createProduct } from './catalog-fixtures';

let h: Harness;
let t: TenantFixture;
let other: TenantFixture;

beforeAll(async () => {
  h = await createHarness();
  t = await createTenantWithKey(h, 'Upsell partners');
  other = await createTenantWithKey(h, 'Other partners tenant');
}, 120_000);
afterAll(() => h.stop());

interface Conversion {
  conversion_id: string;
  offer_id: string;
  revenue_minor: number;
  duplicate: boolean;
  code?: string;
}

/** A partner hotel offered for a fresh event, shown once and clicked: the offer id the partner link carries. */
async function clickedHotelOffer(): Promise<{ offerId: string; productId: number; redirect: string }> {
  const { eventId } = await createOnSaleEvent(t);
  const hotel = await createProduct(t, {
    event_id: eventId,
    type: 'external',
    name: 'Hotel next door',
    external_url: 'https://hotel.example/book',
    affiliate_code: 'USHER42',
  });
  const offers = await t.api.get<{ offers: { offer_id: string; product: { id: number } }[] }>(
    `/api/upsells/offers?location=confirmation&event_id=${eventId}`,
  );
  const offer = offers.body.offers.find((o) => o.product.id === hotel.id);
  if (!offer) throw new Error(`no hotel offer: ${JSON.stringify(offers.body)}`);
  const click = await t.api.post<{ redirect_url: string }>(`/api/upsells/offers/${offer.offer_id}/click`);
  return { offerId: offer.offer_id, productId: hotel.id, redirect: click.body.redirect_url };
}

/** What the partner sends: the raw body, signed with the secret at `atS` (now unless told). */
const report = (
  tenantId: string,
  secret: string,
  body: Record<string, unknown>,
  atS = Math.floor(Date.now() / 1000),
  raw = JSON.stringify(body),
) =>
  client(h.baseUrl).request<Conversion>('POST', `/api/upsells/partners/${tenantId}/conversions`, raw, {
    'usher-signature': signWebhook(secret, raw, atS),
  });

const rotate = async (f: TenantFixture) => {
  const res = await f.api.post<{ secret: string }>('/api/upsells/partner-secret/rotate');
  expect(res.status).toBe(201);
  return res.body.secret;
};

describe('partner conversions', () => {
  it('records a signed conversion once, counts it in the stats, and answers a repeat as a duplicate', async () => {
    const secret = await rotate(t);
    const { offerId, productId, redirect } = await clickedHotelOffer();
    expect(new URL(redirect).searchParams.get('usher_offer')).toBe(offerId);
    const body = { conversion_id: 'hotel-booking-1001', offer_id: offerId, amount_minor: 12_000, currency: 'EUR' };

    const first = await report(t.tenantId, secret, body);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ conversion_id: 'hotel-booking-1001', revenue_minor: 12_000, duplicate: false });
    // The partner retries (a timeout on its side): nothing is counted twice.
    const again = await report(t.tenantId, secret, body);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ duplicate: true, revenue_minor: 12_000 });
    // A second booking id for the same offer is not a second conversion of it.
    const second = await report(t.tenantId, secret, { ...body, conversion_id: 'hotel-booking-1002' });
    expect({ status: second.status, code: second.body.code }).toEqual({ status: 409, code: 'offer_already_converted' });

    const stats = await t.api.get<{ items: { impressions: number; clicks: number; conversions: number }[] }>(
      `/api/upsells/stats?product_id=${productId}`,
    );
    expect(stats.body.items).toEqual([
      expect.objectContaining({ impressions: 1, clicks: 1, conversions: 1, revenue_minor: 12_000 }),
    ]);
  });

  it('refuses a bad signature, a stale timestamp and a rotated-out secret with 401 problems', async () => {
    const secret = await rotate(t);
    const { offerId } = await clickedHotelOffer();
    const body = { conversion_id: 'bk-2001', offer_id: offerId, amount_minor: 5_000, currency: 'EUR' };

    const forged = await report(t.tenantId, 'upsec_not-the-secret', body);
    expect(forged.status).toBe(401);
    expect(forged.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(forged.body.code).toBe('invalid_signature');
    // The body changed after signing (amount raised): the signature no longer matches.
    const raw = JSON.stringify(body);
    const tampered = await client(h.baseUrl).request<Conversion>(
      'POST',
      `/api/upsells/partners/${t.tenantId}/conversions`,
      JSON.stringify({ ...body, amount_minor: 500_000 }),
      { 'usher-signature': signWebhook(secret, raw, Math.floor(Date.now() / 1000)) },
    );
    expect({ status: tampered.status, code: tampered.body.code }).toEqual({ status: 401, code: 'invalid_signature' });
    const stale = await report(t.tenantId, secret, body, Math.floor(Date.now() / 1000) - 3600);
    expect({ status: stale.status, code: stale.body.code }).toEqual({ status: 401, code: 'signature_expired' });
    const unsigned = await client(h.baseUrl).post<Conversion>(`/api/upsells/partners/${t.tenantId}/conversions`, body);
    expect(unsigned.status).toBe(401);
    // Signed with another tenant's secret, or for a tenant with no secret: refused alike.
    expect((await report(other.tenantId, secret, body)).body.code).toBe('invalid_signature');

    const next = await rotate(t);
    expect(next).not.toBe(secret);
    expect((await report(t.tenantId, secret, body)).status).toBe(401);
    const ok = await report(t.tenantId, next, body);
    expect(ok.status).toBe(200);
  });

  it("answers 404 for another tenant's offer and 400 for a malformed conversion", async () => {
    const mine = await rotate(t);
    const theirs = await rotate(other);
    const { offerId } = await clickedHotelOffer();
    const body = { conversion_id: 'bk-3001', offer_id: offerId, amount_minor: 100, currency: 'EUR' };
    expect((await report(other.tenantId, theirs, body)).status).toBe(404);
    const negative = await report(t.tenantId, mine, { ...body, amount_minor: -5 });
    expect({ status: negative.status, code: negative.body.code }).toEqual({ status: 400, code: 'validation_failed' });
    const wrongCurrency = await report(t.tenantId, mine, { ...body, currency: 'USD' });
    expect({ status: wrongCurrency.status, code: wrongCurrency.body.code }).toEqual({
      status: 422,
      code: 'currency_mismatch',
    });
  });
});
