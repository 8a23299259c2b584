import { createHarness, client, type ApiClient, type Harness } from '../helpers/harness';
import { createTenantWithKey, type TenantFixture } from '../helpers/fixtures';
import { recordHistory } from '../helpers/histories';
import { newCustomer, setWaitlistSettings, soldOutEvent } from '../helpers/waitlist';
import { OfflinePaymentProvider } from '../../integrations/payments/offline';
import type {
  PaymentProvider,
  PaymentRequest,
  PaymentResult,
  RefundRequest,
  RefundResult,
  TransferRequest,
  TransferResult,
} from '../../integrations/payments/provider';
import { resalePurchaseWorkflowId } from '../../workflows/resale/contract';

/**
 * The offline provider, recording every call. What happens while a charge is in flight can be
 * scripted, and a refund's answer can be lost after the provider carried it out, as a dropped
 * connection would: a retry must then reuse the refund's idempotency key.
 */
class RecordingPayments implements PaymentProvider {
  readonly name = 'offline' as const;
  readonly charges: PaymentRequest[] = [];
  readonly refunds: (RefundRequest & { lost: boolean })[] = [];
  /** Runs after the provider took the money and before it answers. */
  duringCharge?: (request: PaymentRequest) => Promise<void>;
  loseNextRefund = false;
  private readonly provider = new OfflinePaymentProvider();

  async createPayment(request: PaymentRequest): Promise<PaymentResult> {
    const result = await this.provider.createPayment(request);
    this.charges.push(request);
    await this.duringCharge?.(request);
    return result;
  }
  getPaymentStatus(): Promise<'succeeded'> {
    return this.provider.getPaymentStatus();
  }
  cancelPayment(): Promise<void> {
    return this.provider.cancelPayment();
  }
  async refund(request: RefundRequest): Promise<RefundResult> {
    const result = await this.provider.refund(request);
    const lost = this.loseNextRefund;
    this.loseNextRefund = false;
    this.refunds.push({ ...request, lost });
    if (lost) throw new Error('connection reset after the refund was made');
    return result;
  }
  transfer(request: TransferRequest): Promise<TransferResult> {
    return this.provider.transfer(request);
  }

  chargesOf(listingId: number): PaymentRequest[] {
    return this.charges.filter((c) => c.metadata.listing_id === String(listingId));
  }
}

interface Listing {
  id: number;
  status: string;
  buyer_customer_id: number | null;
}
interface Purchase {
  listing: Listing & { buyer_total_minor: number };
  transaction: { id: number; sale_price_minor: number; payout_status: string };
  ticket: { id: number; status: string; customer_id: number };
}

let h: Harness;
let t: TenantFixture;
const payments = new RecordingPayments();

beforeAll(async () => {
  h = await createHarness({ worker: true, payments });
  t = await createTenantWithKey(h, 'Resale saga');
  await setWaitlistSettings(t, { min_listing_age_s: 0, payout_hold_s: 3600 });
});
afterAll(() => h.stop());

/** A verified seller's ticket of a sold-out event, listed at 100.00. */
async function listedTicket(): Promise<{ listingId: number; ticketId: number; eventId: number; sellerApi: ApiClient }> {
  const f = await soldOutEvent(t, 1, 10_000);
  expect((await t.api.put(`/api/resale/sellers/${f.customerId}`, { verified: true })).status).toBe(200);
  const token = await t.api.post<{ token: string }>(`/api/customers/${f.customerId}/tokens`, {});
  const sellerApi = client(h.baseUrl, token.body.token);
  const listing = await sellerApi.post<Listing>('/api/resale/list', {
    ticket_id: f.ticketIds[0],
    asking_price_minor: 10_000,
  });
  expect(listing.status).toBe(201);
  return { listingId: listing.body.id, ticketId: f.ticketIds[0], eventId: f.eventId, sellerApi };
}

/** The purchase workflow behind a charge: its id names the claim, which the charge's key ends with. */
function purchaseWorkflowOf(listingId: number, charge: PaymentRequest): string {
  const prefix = `resale-${t.tenantId}-${listingId}-`;
  expect(charge.idempotencyKey.startsWith(prefix)).toBe(true);
  return resalePurchaseWorkflowId(t.tenantId, charge.idempotencyKey.slice(prefix.length));
}

/** Nothing of a failed purchase is left: the listing can be bought again and the seller still holds a valid ticket. */
async function expectNothingSold(listing: { listingId: number; ticketId: number }, buyerId: number): Promise<void> {
  const after = await t.api.get<Listing>(`/api/resale/listings/${listing.listingId}`);
  expect(after.body).toMatchObject({ status: 'active', buyer_customer_id: null });
  expect(await h.owner('resale_listings').where({ id: listing.listingId }).first('purchase_claim')).toEqual({
    purchase_claim: null,
  });
  expect(await h.owner('tickets').where({ customer_id: buyerId })).toEqual([]);
  expect(await h.owner('orders').where({ customer_id: buyerId })).toEqual([]);
  expect(await h.owner('tickets').where({ id: listing.ticketId }).first('status')).toEqual({ status: 'valid' });
  expect(await h.owner('resale_transactions').where({ listing_id: listing.listingId })).toEqual([]);
}

describe('resale purchase saga', () => {
  it('charges the buyer exactly once and refunds nothing when the sale goes through', async () => {
    const listing = await listedTicket();
    const buyer = await newCustomer(h, t, 'saga-buyer');
    const res = await buyer.api.post<Purchase>(`/api/resale/listings/${listing.listingId}/purchase`, {});
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      listing: { id: listing.listingId, status: 'sold', buyer_customer_id: buyer.id, buyer_total_minor: 10_300 },
      transaction: { sale_price_minor: 10_000, payout_status: 'pending' },
      ticket: { status: 'valid', customer_id: buyer.id },
    });
    const charges = payments.chargesOf(listing.listingId);
    expect(charges.map((c) => c.amountMinor)).toEqual([10_300]);
    expect(payments.refunds.filter((r) => r.reference === `offline_${charges[0].idempotencyKey}`)).toEqual([]);
    await recordHistory(h.temporal, purchaseWorkflowOf(listing.listingId, charges[0]), 'resale-purchase-completed');
  });

  it('refunds the charge once (a retry reuses its key) and gives the listing back when the sale fails after it', async () => {
    const listing = await listedTicket();
    const buyer = await newCustomer(h, t, 'saga-refunded');
    // A statement of the sale fails after the money was taken; the first refund's answer is lost on the way back.
    await h.owner.raw(`
      create function test_refuse_resale_sale() returns trigger language plpgsql as $$
        begin raise exception 'the sale cannot be recorded'; end $$;
      create trigger test_refuse_resale_sale before insert on resale_transactions
        for each row when (new.listing_id = ${Number(listing.listingId)}) execute function test_refuse_resale_sale();
    `);
    payments.loseNextRefund = true;

    const failed = await buyer.api.post<{ code: string }>(`/api/resale/listings/${listing.listingId}/purchase`, {});
    expect([failed.status, failed.body.code]).toEqual([500, 'purchase_failed']);
    const [charge] = payments.chargesOf(listing.listingId);
    const refunds = payments.refunds.filter((r) => r.reference === `offline_${charge.idempotencyKey}`);
    expect(refunds.map((r) => [r.amountMinor, r.lost])).toEqual([
      [10_300, true],
      [10_300, false],
    ]);
    // Both attempts carry one key: the provider refunds once.
    expect(new Set(refunds.map((r) => r.idempotencyKey)).size).toBe(1);
    await expectNothingSold(listing, buyer.id);
    await recordHistory(h.temporal, purchaseWorkflowOf(listing.listingId, charge), 'resale-purchase-compensated');

    // Bought again once the fault is gone: a new attempt, charged under a key of its own.
    await h.owner.raw('drop trigger test_refuse_resale_sale on resale_transactions');
    const bought = await buyer.api.post<Purchase>(`/api/resale/listings/${listing.listingId}/purchase`, {});
    expect([bought.status, bought.body.listing?.status]).toEqual([201, 'sold']);
    const charges = payments.chargesOf(listing.listingId);
    expect(charges).toHaveLength(2);
    expect(charges[1].idempotencyKey).not.toBe(charge.idempotencyKey);
    expect(payments.refunds.filter((r) => r.reference === `offline_${charges[1].idempotencyKey}`)).toEqual([]);
  });

  it('refunds with a business answer when the ticket is admitted at the gate while the payment is taken', async () => {
    const listing = await listedTicket();
    const buyer = await newCustomer(h, t, 'saga-late');
    const gate = await t.api.post<{ id: number }>('/api/checkin/gates', {
      event_id: listing.eventId,
      name: 'Saga gate',
    });
    const { code } = await h.owner('tickets').where({ id: listing.ticketId }).first('code');
    payments.duringCharge = async (request) => {
      if (request.metadata.listing_id !== String(listing.listingId)) return;
      const scan = await t.api.post<{ verdict: string }>('/api/checkin/scan', {
        scan_id: `saga-admit-${listing.ticketId}`,
        code,
        gate_id: gate.body.id,
      });
      expect(scan.body.verdict).toBe('success');
    };
    try {
      const res = await buyer.api.post<{ code: string }>(`/api/resale/listings/${listing.listingId}/purchase`, {});
      expect([res.status, res.body.code]).toEqual([422, 'ticket_admitted']);
    } finally {
      payments.duringCharge = undefined;
    }
    const [charge] = payments.chargesOf(listing.listingId);
    expect(payments.refunds.filter((r) => r.reference === `offline_${charge.idempotencyKey}`)).toHaveLength(1);
    await expectNothingSold(listing, buyer.id);
  });

  it('holds no lock while the buyer pays: a second buyer is told at once that the listing is taken', async () => {
    const listing = await listedTicket();
    const [first, second] = [await newCustomer(h, t, 'saga-first'), await newCustomer(h, t, 'saga-second')];
    let secondAnswer: { status: number; code: string } | undefined;
    payments.duringCharge = async (request) => {
      if (request.metadata.listing_id !== String(listing.listingId)) return;
      const res = await second.api.post<{ code: string }>(`/api/resale/listings/${listing.listingId}/purchase`, {});
      secondAnswer = { status: res.status, code: res.body.code };
    };
    try {
      const res = await first.api.post<Purchase>(`/api/resale/listings/${listing.listingId}/purchase`, {});
      expect([res.status, res.body.listing.buyer_customer_id]).toEqual([201, first.id]);
    } finally {
      payments.duringCharge = undefined;
    }
    expect(secondAnswer).toEqual({ status: 409, code: 'listing_not_available' });
    expect(payments.chargesOf(listing.listingId)).toHaveLength(1);
  });
});
