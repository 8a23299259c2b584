import { NativeConnection } from '@temporalio/worker';
import { createHarness, eventually, type Harness } from '../helpers/harness';
import { createTenantWithKey, type TenantFixture } from '../helpers/fixtures';
import { recordHistory } from '../helpers/histories';
import { eventWithPolicy } from '../helpers/refunds';
import { testEnv } from '../stack-env';
import { withTenant } from '../../db/connection';
import { upsertModule } from '../../db/platform/modules';
import { claimEventRefundBatch, startEventRefundRun } from '../../db/refunds/event-runs';
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
  eventRefundsWorkflowId,
  getEventRefundsProgressQuery,
  type EventRefundsProgress,
} from '../../workflows/refunds/contract';

/** Stripe (stripe-mock), recording every refund call with the time it was sent. */
class RecordedRefunds implements PaymentProvider {
  readonly name = 'stripe' as const;
  readonly calls: (RefundRequest & { at: number })[] = [];

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
  refund(request: RefundRequest): Promise<RefundResult> {
    this.calls.push({ ...request, at: Date.now() });
    return this.inner.refund(request);
  }
}

let h: Harness;
let t: TenantFixture;
let restarted: WorkerProcess | undefined;
let restartedConnection: NativeConnection | undefined;
const payments = new RecordedRefunds(
  createPaymentProvider({
    PAYMENT_PROVIDER: 'stripe',
    STRIPE_SECRET_KEY: 'sk_test_123',
    STRIPE_API_URL: testEnv('stripeMockUrl'),
  }),
);

const RATE_PER_S = 10;

beforeAll(async () => {
  h = await createHarness({ worker: true, env: { PAYMENT_PROVIDER: 'stripe' }, payments });
  t = await createTenantWithKey(h);
  await upsertModule(h.owner, t.tenantId, 'refunds', { settings: { refund_rate_limit_per_s: RATE_PER_S } });
});
afterAll(async () => {
  await restarted?.shutdown();
  await restartedConnection?.close();
  await h.stop();
});

interface ProgressBody {
  status: string;
  total: number;
  done: number;
  failed: number;
  percent: number;
  refunded_minor: number;
  mode: string;
}

/** An event 3 days out (the proposal's policy refunds nothing then) with `orders` card-paid orders of `quantity` tickets. */
async function cardPaidEvent(orders: number, quantity: number): Promise<{ eventId: number; references: string[] }> {
  const f = await eventWithPolicy(t, { daysOut: 3, price: 4500, inventory: orders * quantity });
  const references: string[] = [];
  for (let i = 0; i < orders; i++) {
    const res = await t.api.post<{ id: number; payment: { reference: string } }>('/api/orders', {
      event_id: f.eventId,
      customer: { email: `fan${i}-${f.eventId}@example.com`, name: `Fan ${i}` },
      items: [{ ticket_type_id: f.ticketTypeId, quantity }],
    });
    await h.temporal.workflow
      .getHandle(orderFulfilmentWorkflowId(t.tenantId, res.body.id))
      .signal(confirmPaymentSignal, { reference: res.body.payment.reference });
    references.push(res.body.payment.reference);
  }
  await eventually(
    async () => {
      const [{ n }] = await h.owner('tickets').where({ event_id: f.eventId, status: 'valid' }).count({ n: '*' });
      return Number(n) === orders * quantity;
    },
    { what: 'tickets issued' },
  );
  return { eventId: f.eventId, references };
}

/** Refund calls per order (payment reference) under distinct idempotency keys, and the run's requests per order. */
async function refundsPerOrder(eventId: number, references: string[]) {
  const keys = new Map(references.map((r) => [r, new Set<string>()]));
  for (const c of payments.calls) keys.get(c.reference)?.add(c.idempotencyKey);
  const requests = await h.owner('refund_requests').where({ event_id: eventId }).whereNotNull('event_refund_run_id');
  return {
    keysPerOrder: [...keys.values()].map((k) => k.size),
    requests,
  };
}

describe('event refunds workflow', () => {
  it('refunds every order of a cancelled event once through Stripe at 100%, paced, with progress', async () => {
    const { eventId, references } = await cardPaidEvent(15, 2);
    const start = await t.api.post<ProgressBody>(`/api/events/${eventId}/cancel-refunds`, {
      mode: 'refund',
      reason: 'storm',
    });
    expect([start.status, start.body.status, start.body.mode]).toEqual([202, 'running', 'refund']);
    const again = await t.api.post<ProgressBody>(`/api/events/${eventId}/cancel-refunds`, { mode: 'refund' });
    expect(again.status).toBe(200);
    const otherMode = await t.api.post(`/api/events/${eventId}/cancel-refunds`, { mode: 'credit' });
    expect([otherMode.status, otherMode.body.code]).toEqual([409, 'refunds_started']);

    const handle = h.temporal.workflow.getHandle(eventRefundsWorkflowId(t.tenantId, eventId));
    const final = (await handle.result()) as EventRefundsProgress;
    expect(final).toMatchObject({ status: 'completed', total: 15, done: 15, failed: 0, refunded_minor: 15 * 9000 });
    expect(await handle.query(getEventRefundsProgressQuery)).toMatchObject({ status: 'completed', done: 15 });

    const { keysPerOrder, requests } = await refundsPerOrder(eventId, references);
    expect(keysPerOrder).toEqual(Array(15).fill(1));
    const mine = payments.calls.filter((c) => references.includes(c.reference));
    expect(mine).toHaveLength(15);
    expect(mine.every((c) => c.amountMinor === 9000)).toBe(true);
    // Paced: 15 calls at 10 per second span at least 1.4 s.
    expect(mine[mine.length - 1].at - mine[0].at).toBeGreaterThanOrEqual(((15 - 1) * 1000) / RATE_PER_S - 50);
    expect(requests).toHaveLength(15);
    expect(new Set(requests.map((r) => r.order_id)).size).toBe(15);
    expect(
      requests.every(
        (r) =>
          r.status === 'processed' &&
          r.type === 'refund' &&
          r.refund_amount_minor === 9000 &&
          r.fee_amount_minor === 0 &&
          /^re_/.test(r.payment_refund_id),
      ),
    ).toBe(true);
    expect(await h.owner('tickets').where({ event_id: eventId, status: 'valid' })).toHaveLength(0);
    expect((await h.owner('ticket_types').where({ event_id: eventId }).first()).sold).toBe(0);

    const progress = await t.api.get<ProgressBody>(`/api/events/${eventId}/cancel-refunds`);
    expect(progress.body).toMatchObject({ status: 'completed', total: 15, done: 15, failed: 0, percent: 100 });
    const events = await h
      .owner('outbox')
      .where({ tenant_id: t.tenantId, aggregate_type: 'event', aggregate_id: String(eventId) })
      .whereIn('type', ['event.refunds_started', 'event.refunds_completed']);
    expect(events.map((e) => e.type).sort()).toEqual(['event.refunds_completed', 'event.refunds_started']);
    const audit = await h.owner('audit_log').where({ tenant_id: t.tenantId, action: 'event.refunds_complete' });
    expect(audit.map((a) => a.entity_id)).toEqual([String(eventId)]);
    await recordHistory(h.temporal, handle.workflowId, 'event-refunds-completed');
  });

  it('resumes after the worker dies mid-run without refunding any order twice', async () => {
    const { eventId, references } = await cardPaidEvent(30, 1);
    await t.api.post(`/api/events/${eventId}/cancel-refunds`, { mode: 'refund' });
    const handle = h.temporal.workflow.getHandle(eventRefundsWorkflowId(t.tenantId, eventId));
    await eventually(async () => payments.calls.filter((c) => references.includes(c.reference)).length >= 5, {
      what: 'some refunds sent',
    });
    const midway = await handle.query(getEventRefundsProgressQuery);
    expect(midway.status).toBe('running');

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

    const final = (await handle.result()) as EventRefundsProgress;
    expect(final).toMatchObject({ status: 'completed', total: 30, done: 30, failed: 0 });
    const { keysPerOrder, requests } = await refundsPerOrder(eventId, references);
    expect(keysPerOrder).toEqual(Array(30).fill(1));
    expect(requests).toHaveLength(30);
    expect(new Set(requests.map((r) => r.order_id)).size).toBe(30);
    expect(requests.every((r) => r.status === 'processed')).toBe(true);
    const tickets = await h.owner('refund_request_tickets').whereIn(
      'request_id',
      requests.map((r) => r.id),
    );
    expect(new Set(tickets.map((x) => x.ticket_id)).size).toBe(tickets.length);
  }, 120_000);

  it('gives store credit for every order when the tenant chooses credit', async () => {
    const { eventId } = await cardPaidEvent(2, 2);
    const calls = payments.calls.length;
    const res = await t.api.post(`/api/events/${eventId}/cancel-refunds`, { mode: 'credit' });
    expect(res.status).toBe(202);
    const final = (await h.temporal.workflow
      .getHandle(eventRefundsWorkflowId(t.tenantId, eventId))
      .result()) as EventRefundsProgress;
    expect(final).toMatchObject({ status: 'completed', total: 2, done: 2, refunded_minor: 18000 });
    const orders = await h.owner('orders').where({ event_id: eventId });
    const credit = await h
      .owner('store_credit_entries')
      .whereIn(
        'customer_id',
        orders.map((o) => o.customer_id),
      )
      .andWhere({ kind: 'refund_credit' });
    expect(credit.map((c) => c.amount_minor)).toEqual([9000, 9000]);
    expect(payments.calls.length).toBe(calls);
    const requests = await h.owner('refund_requests').where({ event_id: eventId });
    expect(requests.map((r) => [r.type, r.status, r.refund_amount_minor])).toEqual([
      ['credit', 'processed', 9000],
      ['credit', 'processed', 9000],
    ]);
  });

  it('takes each order once when a timed-out claim races its retry, and neither fails', async () => {
    const { eventId } = await cardPaidEvent(6, 2);
    // The run without its workflow: the two claims below stand for an attempt and its retry.
    const { run } = await withTenant(h.db, t.tenantId, (tx) =>
      startEventRefundRun(tx, t.tenantId, { eventId, mode: 'refund', workflowId: 'claim-race' }),
    );
    const claim = () =>
      withTenant(h.db, t.tenantId, (tx) => claimEventRefundBatch(tx, t.tenantId, run.id, 10, 'claim-race'));
    const taken = await Promise.all([claim(), claim()]);
    expect(taken.every((n) => n <= 6)).toBe(true);
    const requests = await h.owner('refund_requests').where({ event_id: eventId, event_refund_run_id: run.id });
    expect(requests.map((r) => r.order_id).sort()).toEqual(
      (await h.owner('orders').where({ event_id: eventId }).orderBy('id').pluck('id')).sort(),
    );
    expect(await h.owner('tickets').where({ event_id: eventId, status: 'valid' }).pluck('id')).toEqual([]);
  });
});
