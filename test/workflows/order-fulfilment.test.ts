import { createHarness, eventually, type Harness } from '../helpers/harness';
import { createOnSaleEvent, createTenantWithKey, type TenantFixture } from '../helpers/fixtures';
import { recordHistory } from '../helpers/histories';
import {
  getOrderStateQuery,
  orderFulfilmentWorkflowId,
  orderFulfilmentWorkflowType,
  type OrderFulfilmentState,
} from '../../workflows/orders/contract';

let h: Harness;
let t: TenantFixture;

beforeAll(async () => {
  // Stripe leaves a payment open, so the window matters; 2 s stands in for the 30-minute default.
  h = await createHarness({ worker: true, env: { PAYMENT_PROVIDER: 'stripe', PAYMENT_TIMEOUT_S: '2' } });
  t = await createTenantWithKey(h);
});
afterAll(() => h.stop());

describe('order fulfilment workflow', () => {
  it('releases the seats of an order that is never paid when its window closes', async () => {
    const f = await createOnSaleEvent(t, { inventory: 2 });
    const res = await t.api.post<{ id: number; status: string }>('/api/orders', {
      event_id: f.eventId,
      customer_id: f.customerId,
      items: [{ ticket_type_id: f.ticketTypeId, quantity: 2 }],
    });
    expect(res.status).toBe(201);
    expect(res.body.status).toBe('pending');
    const handle = h.temporal.workflow.getHandle(orderFulfilmentWorkflowId(t.tenantId, res.body.id));
    expect((await handle.query(getOrderStateQuery)).status).toBe('awaiting_payment');
    expect((await t.api.get<{ status: string }>(`/api/events/${f.eventId}`)).body.status).toBe('sold_out');

    const final = (await handle.result()) as OrderFulfilmentState;
    expect(final).toMatchObject({ status: 'expired', reason: 'payment window closed', ticketIds: [] });
    const order = await t.api.get<{ status: string; tickets: unknown[] }>(`/api/orders/${res.body.id}`);
    expect(order.body).toMatchObject({ status: 'expired', tickets: [] });
    expect((await h.owner('ticket_types').where({ id: f.ticketTypeId }).first()).sold).toBe(0);
    expect((await t.api.get<{ status: string }>(`/api/events/${f.eventId}`)).body.status).toBe('on_sale');
    const audit = await t.api.get<{
      items: { actor: { type: string; id: string }; action: string; after: { reason: string } }[];
    }>(`/api/audit?entity_type=orders&entity_id=${res.body.id}`);
    expect(audit.body.items.find((a) => a.action === 'order.expired')).toMatchObject({
      actor: { type: 'workflow', id: handle.workflowId },
      after: { reason: 'payment window closed' },
    });
    await recordHistory(h.temporal, handle.workflowId, 'order-fulfilment-expired');
  });

  it('issues tickets once for a payment confirmed twice, and carries the search attributes', async () => {
    const f = await createOnSaleEvent(t, { inventory: 5 });
    const res = await t.api.post<{ id: number }>('/api/orders', {
      event_id: f.eventId,
      customer_id: f.customerId,
      items: [{ ticket_type_id: f.ticketTypeId, quantity: 1 }],
    });
    const handle = h.temporal.workflow.getHandle(orderFulfilmentWorkflowId(t.tenantId, res.body.id));
    const { confirmPaymentSignal } = await import('../../workflows/orders/contract');
    await handle.signal(confirmPaymentSignal, { reference: 'pi_first' });
    await handle.signal(confirmPaymentSignal, { reference: 'pi_second' });
    const final = (await handle.result()) as OrderFulfilmentState;
    expect(final.status).toBe('fulfilled');
    expect(final.paymentReference).toBe('pi_first');
    expect(await h.owner('tickets').where({ order_id: res.body.id })).toHaveLength(1);
    const description = await handle.describe();
    expect(description.typedSearchAttributes.getAll().map((p) => [p.key.name, p.value])).toEqual(
      expect.arrayContaining([
        ['TenantId', t.tenantId],
        ['EventId', String(f.eventId)],
      ]),
    );
    await recordHistory(h.temporal, handle.workflowId, 'order-fulfilment-paid');
  });

  it('starting the same order twice is the same workflow', async () => {
    const f = await createOnSaleEvent(t, { inventory: 5 });
    const body = {
      event_id: f.eventId,
      customer_id: f.customerId,
      items: [{ ticket_type_id: f.ticketTypeId, quantity: 1 }],
    };
    const res = await t.api.post<{ id: number }>('/api/orders', body);
    const { startIdempotent } = await import('../../lib/temporal');
    const again = await startIdempotent(h.temporal, orderFulfilmentWorkflowType, {
      taskQueue: h.config.TEMPORAL_TASK_QUEUE,
      workflowId: orderFulfilmentWorkflowId(t.tenantId, res.body.id),
      args: [{ tenantId: t.tenantId, orderId: res.body.id, eventId: f.eventId, paymentTimeoutMs: 1000 }],
    });
    expect(again.workflowId).toBe(orderFulfilmentWorkflowId(t.tenantId, res.body.id));
    await eventually(async () => (await h.owner('orders').where({ id: res.body.id }).first()).status === 'expired', {
      what: 'order expired',
    });
    await expect(again.result()).resolves.toMatchObject({ status: 'expired' });
  });
});
