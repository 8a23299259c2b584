import { createHarness, eventually, type Harness } from '../helpers/harness';
import { createTenantWithKey, type TenantFixture } from '../helpers/fixtures';
import { recordHistory } from '../helpers/histories';
import { newCustomer, setWaitlistSettings, soldOutEvent } from '../helpers/waitlist';
import { createStripeClient, StripePaymentProvider } from '../../integrations/payments/stripe';
import type {
  PaymentProvider,
  PaymentRequest,
  PaymentResult,
  TransferRequest,
  TransferResult,
} from '../../integrations/payments/provider';
import { getPayoutStateQuery, resalePayoutWorkflowId, type ResalePayoutState } from '../../workflows/resale/contract';
import { testEnv } from '../stack-env';

/**
 * Stripe (stripe-mock) for transfers, with the first transfer's answer lost after Stripe carried it
 * out: the retry must reuse the idempotency key. Card payments stand in for a saved card that succeeds.
 */
class LossyStripe implements PaymentProvider {
  readonly name = 'stripe' as const;
  readonly transfers: { key: string; destination: string | null; lost: boolean }[] = [];
  private readonly stripe = new StripePaymentProvider(
    createStripeClient({ secretKey: 'sk_test_123', apiUrl: testEnv('stripeMockUrl') }),
  );

  async createPayment(request: PaymentRequest): Promise<PaymentResult> {
    return { provider: 'stripe', reference: `pi_saved_${request.idempotencyKey}`, status: 'succeeded' };
  }
  async getPaymentStatus(): Promise<'succeeded'> {
    return 'succeeded';
  }
  async cancelPayment(): Promise<void> {}
  refund(): never {
    throw new Error('not used');
  }
  async transfer(request: TransferRequest): Promise<TransferResult> {
    const result = await this.stripe.transfer(request);
    const lost = this.transfers.length === 0;
    this.transfers.push({ key: request.idempotencyKey, destination: request.destination, lost });
    if (lost) throw new Error('connection reset after the transfer was made');
    return result;
  }
}

let h: Harness;
let t: TenantFixture;
const payments = new LossyStripe();

beforeAll(async () => {
  h = await createHarness({ worker: true, payments });
  t = await createTenantWithKey(h);
  await setWaitlistSettings(t, { min_listing_age_s: 0, payout_hold_s: 1 });
});
afterAll(() => h.stop());

describe('resale payout workflow (stripe-mock)', () => {
  it("holds the seller's money, then pays it to their connected account once, despite a lost answer", async () => {
    const f = await soldOutEvent(t, 1, 8_000);
    await t.api.put(`/api/resale/sellers/${f.customerId}`, { verified: true });
    const noAccount = await t.api.post<{ code: string }>('/api/resale/list', {
      ticket_id: f.ticketIds[0],
      asking_price_minor: 9_000,
    });
    expect([noAccount.status, noAccount.body.code]).toEqual([422, 'payout_account_missing']);
    await t.api.put(`/api/resale/sellers/${f.customerId}`, { payout_account: 'acct_seller1' });
    const listing = await t.api.post<{ id: number }>('/api/resale/list', {
      ticket_id: f.ticketIds[0],
      asking_price_minor: 9_000,
    });
    const buyer = await newCustomer(h, t);
    const bought = await buyer.api.post<{ transaction: { id: number; payout_status: string } }>(
      `/api/resale/listings/${listing.body.id}/purchase`,
      { payment_method: 'pm_card_visa' },
    );
    expect([bought.status, bought.body.transaction.payout_status]).toEqual([201, 'pending']);

    const handle = h.temporal.workflow.getHandle(resalePayoutWorkflowId(t.tenantId, bought.body.transaction.id));
    const during = await eventually(() => handle.query(getPayoutStateQuery).catch(() => undefined), {
      what: 'payout workflow started',
    });
    expect(during.status).not.toBe('completed');
    const final = (await handle.result()) as ResalePayoutState;
    expect(final.status).toBe('completed');
    expect(final.reference).toMatch(/^tr_/);

    const key = `resale-payout-${t.tenantId}-${bought.body.transaction.id}`;
    expect(payments.transfers).toEqual([
      { key, destination: 'acct_seller1', lost: true },
      { key, destination: 'acct_seller1', lost: false },
    ]);
    const txn = await h.owner('resale_transactions').where({ id: bought.body.transaction.id }).first();
    expect(txn).toMatchObject({
      payout_status: 'completed',
      payout_reference: final.reference,
      seller_payout_minor: 9_000,
    });
    expect(await h.owner('outbox').where({ tenant_id: t.tenantId, type: 'resale.payout_completed' })).toHaveLength(1);
    await recordHistory(h.temporal, handle.workflowId, 'resale-payout-completed');
  });
});
