import { NativeConnection } from '@temporalio/worker';
import { createHarness, eventually, type Harness } from '../helpers/harness';
import { createTenantWithKey, type TenantFixture } from '../helpers/fixtures';
import { recordHistory } from '../helpers/histories';
import { eventWithPolicy } from '../helpers/refunds';
import { testEnv } from '../stack-env';
import { upsertModule } from '../../db/platform/modules';
import { createPaymentProvider } from '../../integrations/payments';
import { createMailer } from '../../integrations/mail/mailer';
import type {
  PaymentProvider,
  PaymentRequest,
  PaymentResult,
  PaymentStatus,
  RefundRequest,
  RefundResult,
  TransferRequest,
  TransferResult,
} from '../../integrations/payments/provider';
import { createLogger } from '../../lib/logger';
import { startWorkerProcess, type WorkerProcess } from '../../worker';
import { confirmPaymentSignal, orderFulfilmentWorkflowId } from '../../workflows/orders/contract';
import {
  getRefundStateQuery,
  refundRequestWorkflowId,
  rejectRefundSignal,
  type RefundRequestState,
} from '../../workflows/refunds/contract';

/** Stripe (stripe-mock) behind a connection that drops the first refund calls, as a provider outage would. */
class FlakyRefunds implements PaymentProvider {
  readonly name = 'stripe' as const;
  readonly attempts: RefundRequest[] = [];
  readonly refunds: RefundResult[] = [];
  failuresLeft = 0;

  constructor(private readonly inner: PaymentProvider) {}

  createPayment(request: PaymentRequest): Promise<PaymentResult> {
    return this.inner.createPayment(request);
  }
  getPaymentStatus(reference: string): Promise<PaymentStatus> {
    return this.inner.getPaymentStatus(reference);
  }
  cancelPayment(reference: string, idempotencyKey?: string): Promise<void> {
    return this.inner.cancelPayment(reference, idempotencyKey);
  }
  transfer(request: TransferRequest): Promise<TransferResult> {
    return this.inner.transfer(request);
  }

  async refund(request: RefundRequest): Promise<RefundResult> {
    this.attempts.push(request);
    if (this.failuresLeft > 0) {
      this.failuresLeft--;
      throw new Error('ECONNRESET: the payment provider did not answer');
    }
    const result = await this.inner.refund(request);
    this.refunds.push(result);
    return result;
  }
}

let h: Harness;
let t: TenantFixture;
let restarted: WorkerProcess | undefined;
let restartedConnection: NativeConnection | undefined;
const payments = new FlakyRefunds(
  createPaymentProvider({
    PAYMENT_PROVIDER: 'stripe',
    STRIPE_SECRET_KEY: 'sk_test_123',
    STRIPE_API_URL: testEnv('stripeMockUrl'),
  }),
);

beforeAll(async () => {
  h = await createHarness({ worker: true, env: { PAYMENT_PROVIDER: 'stripe' }, payments });
  t = await createTenantWithKey(h);
  await upsertModule(h.owner, t.tenantId, 'refunds', {
    settings: { approval_reminder_after_s: 1, staff_email: 'box-office@venue.example' },
  });
});
afterAll(async () => {
  await restarted?.shutdown();
  await restartedConnection?.close();
  await h.stop();
});

/** A card-paid order: the PaymentIntent is created on stripe-mock, then its success is confirmed. */
async function stripePaidOrder(
  daysOut: number,
  quantity = 1,
): Promise<{ orderId: number; eventId: number; ticketIds: number[]; reference: string }> {
  const f = await eventWithPolicy(t, { daysOut, price: 4500 });
  const res = await t.api.post<{ id: number; payment: { reference: string } }>('/api/orders', {
    event_id: f.eventId,
    customer_id: f.customerId,
    items: [{ ticket_type_id: f.ticketTypeId, quantity }],
  });
  expect(res.body.payment.reference).toMatch(/^pi_/);
  await h.temporal.workflow
    .getHandle(orderFulfilmentWorkflowId(t.tenantId, res.body.id))
    .signal(confirmPaymentSignal, { reference: res.body.payment.reference });
  const tickets = await eventually(
    async () => {
      const rows = await h.owner('tickets').where({ order_id: res.body.id });
      return rows.length === quantity && rows;
    },
    { what: 'tickets issued' },
  );
  return {
    orderId: res.body.id,
    eventId: f.eventId,
    ticketIds: tickets.map((x: { id: number }) => x.id),
    reference: res.body.payment.reference,
  };
}

describe('refund request workflow', () => {
  it('refunds through Stripe once although the provider fails the first calls, and meters 2%', async () => {
    const o = await stripePaidOrder(40);
    payments.failuresLeft = 2;
    const res = await t.api.post<{ id: number; status: string }>('/api/refund-requests', {
      order_id: o.orderId,
      type: 'refund',
    });
    expect(res.body.status).toBe('approved');
    const handle = h.temporal.workflow.getHandle(refundRequestWorkflowId(t.tenantId, res.body.id));
    const final = (await handle.result()) as RefundRequestState;
    expect(final).toMatchObject({
      status: 'processed',
      route: 'provider',
      paymentRefundId: expect.stringMatching(/^re_/),
    });

    const key = `refund-${t.tenantId}-${res.body.id}`;
    const mine = payments.attempts.filter((a) => a.idempotencyKey === key);
    expect(mine).toHaveLength(3);
    expect(mine.every((a) => a.reference === o.reference && a.amountMinor === 4000)).toBe(true);
    expect(payments.refunds.filter((r) => r.reference === final.paymentRefundId)).toHaveLength(1);
    const row = await h.owner('refund_requests').where({ id: res.body.id }).first();
    expect(row).toMatchObject({
      status: 'processed',
      refund_amount_minor: 4000,
      payment_refund_id: final.paymentRefundId,
    });
    const usage = await h.owner('usage_records').where({ tenant_id: t.tenantId, meter: 'refunds.processing' });
    expect(usage.map((u) => u.amount_minor)).toEqual([80]);
    expect(await h.owner('outbox').where({ type: 'refund.processed', aggregate_id: String(res.body.id) })).toHaveLength(
      1,
    );
    const description = await handle.describe();
    expect(description.typedSearchAttributes.getAll().map((p) => [p.key.name, p.value])).toEqual(
      expect.arrayContaining([
        ['TenantId', t.tenantId],
        ['EventId', String(o.eventId)],
      ]),
    );
    await recordHistory(h.temporal, handle.workflowId, 'refund-request-auto-approved');
  });

  it('reminds staff of a waiting request, survives a worker restart, then refunds once approved', async () => {
    const o = await stripePaidOrder(3);
    const res = await t.api.post<{ id: number; status: string }>('/api/refund-requests', {
      order_id: o.orderId,
      type: 'refund',
      reason: 'flight cancelled',
    });
    expect(res.body.status).toBe('pending');
    const handle = h.temporal.workflow.getHandle(refundRequestWorkflowId(t.tenantId, res.body.id));

    const reminder = await eventually(
      async () =>
        h.mail.find(
          (m) => m.to.includes('box-office@venue.example') && m.subject.includes(`Refund request ${res.body.id} `),
        ),
      { what: 'reminder e-mail' },
    );
    expect(reminder.raw).toContain('flight cancelled');
    expect(await handle.query(getRefundStateQuery)).toMatchObject({ status: 'pending', reminded: true });

    await h.worker?.shutdown();
    restartedConnection = await NativeConnection.connect({ address: h.config.TEMPORAL_ADDRESS });
    const logger = createLogger('test', h.config.LOG_LEVEL);
    restarted = await startWorkerProcess({
      connection: restartedConnection,
      deps: {
        db: h.db,
        config: h.config,
        logger,
        temporal: h.temporal,
        payments,
        mailer: createMailer({ smtpUrl: h.config.SMTP_URL, from: h.config.MAIL_FROM, logger }),
      },
      workflows: { workflowBundle: { codePath: testEnv('workflowBundle') } },
    });

    const approved = await t.api.post<{ status: string; refund_amount_minor: number }>(
      `/api/refund-requests/${res.body.id}/approve`,
      { note: 'goodwill' },
    );
    expect(approved.status).toBe(200);
    expect(approved.body.refund_amount_minor).toBe(4500);
    const final = (await handle.result()) as RefundRequestState;
    expect(final).toMatchObject({
      status: 'processed',
      reminded: true,
      decidedBy: expect.stringMatching(/^api_key:/),
      note: 'goodwill',
      route: 'provider',
    });
    expect(payments.refunds.filter((r) => r.reference === final.paymentRefundId)).toHaveLength(1);
    expect((await h.owner('tickets').where({ id: o.ticketIds[0] }).first()).status).toBe('cancelled');
    expect(h.mail.filter((m) => m.subject.includes(`Refund request ${res.body.id} `))).toHaveLength(1);
    await recordHistory(h.temporal, handle.workflowId, 'refund-request-reminded-approved');
  });

  it('takes a rejection as a signal and answers an update that comes too late', async () => {
    // Three days out the proposal's policy forbids transfers, so this one waits for staff.
    const pendingRes = await t.api.post<{ id: number; status: string }>('/api/refund-requests', {
      order_id: (await stripePaidOrder(3)).orderId,
      type: 'transfer',
      transfer_to: { name: 'Pat', email: 'pat@example.com' },
    });
    expect(pendingRes.body.status).toBe('pending');
    const handle = h.temporal.workflow.getHandle(refundRequestWorkflowId(t.tenantId, pendingRes.body.id));
    await handle.signal(rejectRefundSignal, { by: 'operator:ops', note: 'not transferable this close to the show' });
    expect(await handle.result()).toMatchObject({ status: 'rejected', decidedBy: 'operator:ops' });
    const row = await h.owner('refund_requests').where({ id: pendingRes.body.id }).first();
    expect(row).toMatchObject({ status: 'rejected', decision_note: 'not transferable this close to the show' });
    const late = await t.api.post(`/api/refund-requests/${pendingRes.body.id}/approve`, {});
    expect([late.status, late.body.code]).toEqual([409, 'request_not_pending']);
    await recordHistory(h.temporal, handle.workflowId, 'refund-request-rejected');
  });
});
