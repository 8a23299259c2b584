import { createHarness, client, eventually, type Harness } from '../helpers/harness';
import { createTenantWithKey, type TenantFixture } from '../helpers/fixtures';
import { paidOrderForEvent, PROPOSAL_POLICY } from '../helpers/refunds';
import { withTenant } from '../../db/connection';
import { getOrder, type OrderRow } from '../../db/orders/orders';
import { createRefundRequest } from '../../db/refunds/submissions';

interface RequestBody {
  id: number;
  type: string;
  status: string;
  within_policy: boolean;
  refund_amount_minor: number;
  fee_amount_minor: number;
  original_amount_minor: number;
  payment_refund_id: string | null;
  tickets: { ticket_id: number; new_ticket_id: number | null }[];
  quote: { refund: { reason: string } };
}
interface TicketBody {
  id: number;
  code: string;
  status: string;
  holder_email: string | null;
  replaced_by_ticket_id: number | null;
  customer_id: number;
}

let h: Harness;
let t: TenantFixture;

beforeAll(async () => {
  h = await createHarness({ worker: true });
  t = await createTenantWithKey(h);
});
afterAll(() => h.stop());

const processed = (id: number) =>
  eventually(
    async () => {
      const r = await t.api.get<RequestBody>(`/api/refund-requests/${id}`);
      return r.body.status === 'processed' && r.body;
    },
    { what: `request ${id} processed` },
  );

describe('refund policies', () => {
  it('rejects an invalid policy with field errors and keeps the previous one', async () => {
    const f = await paidOrderForEvent(t, { daysOut: 40 });
    const bad = await t.api.put(`/api/events/${f.eventId}/refund-policy`, {
      rules: {
        ...PROPOSAL_POLICY,
        processing_fee: '5.00',
        windows: [{ ...PROPOSAL_POLICY.windows[0], refund_percentage: 150 }],
      },
    });
    expect([bad.status, bad.body.code]).toEqual([400, 'validation_failed']);
    expect((bad.body.errors as { path: string }[]).map((e) => e.path)).toEqual(
      expect.arrayContaining(['body.rules.processing_fee', 'body.rules.windows.0.refund_percentage']),
    );
    const dup = await t.api.put(`/api/events/${f.eventId}/refund-policy`, {
      rules: { windows: [PROPOSAL_POLICY.windows[1], PROPOSAL_POLICY.windows[1]] },
    });
    expect([dup.status, (dup.body.errors as { path: string }[])[0].path]).toEqual([400, 'body.rules.windows']);
    const current = await t.api.get<{ source: string; rules: typeof PROPOSAL_POLICY }>(
      `/api/events/${f.eventId}/refund-policy`,
    );
    expect(current.body).toMatchObject({
      source: 'event',
      rules: { processing_fee: 5, windows: PROPOSAL_POLICY.windows },
    });
  });

  it('falls back to the tenant default for events without their own policy', async () => {
    const other = await createTenantWithKey(h, 'Defaults');
    const f = await paidOrderForEvent(other, { daysOut: 40 });
    expect((await other.api.get<{ source: string }>('/api/refund-policy')).body.source).toBe('none');
    const saved = await other.api.put('/api/refund-policy', {
      name: 'House rules',
      rules: {
        windows: [{ until_days_before: 0, refund_percentage: 10, exchange_allowed: false, transfer_allowed: false }],
      },
    });
    expect(saved.body).toMatchObject({ source: 'default', name: 'House rules' });
    // The fixture gave the event its own policy; a second event without one uses the default.
    const ev = await other.api.post<{ id: number }>('/api/events', {
      name: 'No policy',
      venue: { name: 'Hall' },
      timezone: 'Europe/Berlin',
      capacity: 10,
      status: 'on_sale',
      starts_at: new Date(Date.now() + 5 * 86_400_000).toISOString(),
      ends_at: new Date(Date.now() + 6 * 86_400_000).toISOString(),
    });
    expect(
      (await other.api.get<{ source: string; name: string }>(`/api/events/${ev.body.id}/refund-policy`)).body,
    ).toMatchObject({ source: 'default', name: 'House rules' });
    expect((await other.api.get<{ source: string }>(`/api/events/${f.eventId}/refund-policy`)).body.source).toBe(
      'event',
    );
  });
});

describe('quotes', () => {
  it('tells the customer what each option gives right now, and why', async () => {
    const f = await paidOrderForEvent(t, { daysOut: 10, quantity: 2, price: 4500 });
    const token = await t.api.post<{ token: string }>(`/api/customers/${f.customerId}/tokens`, {});
    const me = client(h.baseUrl, token.body.token);
    const q = await me.get(`/api/orders/${f.orderId}/refund-quote`);
    expect(q.status).toBe(200);
    expect(q.body).toMatchObject({
      order_id: f.orderId,
      ticket_ids: f.tickets.map((x) => x.id),
      currency: 'EUR',
      policy_source: 'event',
      days_before: 10,
      paid_minor: 9000,
      refund: { allowed: true, percentage: 50, gross_minor: 4500, fee_minor: 1000, amount_minor: 3500 },
      exchange: { allowed: true },
      transfer: { allowed: true },
      credit: { allowed: true, amount_minor: 9000 },
    });
    expect((q.body.refund as { reason: string }).reason).toMatch(/50% refund 7 or more days before/);
    const one = await me.get(`/api/orders/${f.orderId}/refund-quote?ticket_ids=${f.tickets[1].id}`);
    expect(one.body).toMatchObject({ ticket_ids: [f.tickets[1].id], refund: { amount_minor: 1750 } });
    expect((await me.get(`/api/orders/${f.orderId}/refund-quote?ticket_ids=999999`)).body.code).toBe(
      'ticket_not_in_order',
    );
    expect((await me.get(`/api/orders/${f.orderId}/refund-quote?ticket_ids=abc`)).status).toBe(400);
  });

  it("hides another customer's order", async () => {
    const f = await paidOrderForEvent(t, { daysOut: 40 });
    const g = await paidOrderForEvent(t, { daysOut: 40 });
    const token = await t.api.post<{ token: string }>(`/api/customers/${g.customerId}/tokens`, {});
    const other = client(h.baseUrl, token.body.token);
    expect((await other.get(`/api/orders/${f.orderId}/refund-quote`)).status).toBe(404);
    expect((await other.post('/api/refund-requests', { order_id: f.orderId, type: 'refund' })).status).toBe(404);
  });
});

describe('refund requests', () => {
  it('approves a request inside the policy at once: tickets cancelled, seats released, money refunded, 2% metered', async () => {
    const f = await paidOrderForEvent(t, { daysOut: 40, quantity: 2, price: 4500, inventory: 2 });
    expect((await t.api.get<{ status: string }>(`/api/events/${f.eventId}`)).body.status).toBe('sold_out');
    const token = await t.api.post<{ token: string }>(`/api/customers/${f.customerId}/tokens`, {});
    const res = await client(h.baseUrl, token.body.token).post<RequestBody>('/api/refund-requests', {
      order_id: f.orderId,
      ticket_ids: [f.tickets[0].id],
      type: 'refund',
      reason: 'cannot come',
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      status: 'approved',
      within_policy: true,
      original_amount_minor: 4500,
      refund_amount_minor: 4000,
      fee_amount_minor: 500,
    });

    const ticket = await t.api.get<TicketBody>(`/api/tickets/${f.tickets[0].id}`);
    expect(ticket.body.status).toBe('cancelled');
    expect((await t.api.get<TicketBody>(`/api/tickets/${f.tickets[1].id}`)).body.status).toBe('valid');
    expect((await t.api.get<{ status: string }>(`/api/events/${f.eventId}`)).body.status).toBe('on_sale');
    expect((await h.owner('ticket_types').where({ id: f.ticketTypeId }).first()).sold).toBe(1);

    const done = await processed(res.body.id);
    expect(done.payment_refund_id).toMatch(/^offline_refund_/);
    const usage = await h.owner('usage_records').where({
      tenant_id: t.tenantId,
      meter: 'refunds.processing',
      idempotency_key: `refunds.processing:${res.body.id}`,
    });
    expect(usage.map((u) => u.amount_minor)).toEqual([80]);
    const events = await h
      .owner('outbox')
      .where({ tenant_id: t.tenantId })
      .whereIn('aggregate_id', [String(res.body.id), String(f.tickets[0].id)])
      .orderBy('id');
    expect(events.map((e) => e.type)).toEqual(
      expect.arrayContaining(['refund.requested', 'ticket.cancelled', 'refund.approved', 'refund.processed']),
    );
    expect(events.find((e) => e.type === 'ticket.cancelled').payload).toEqual({
      ticket_id: f.tickets[0].id,
      event_id: f.eventId,
      ticket_type_id: f.ticketTypeId,
    });
  });

  it('still processes a request whose API process died before starting its workflow', async () => {
    const f = await paidOrderForEvent(t, { daysOut: 40, quantity: 1 });
    // What the API commits before its after-commit step: the request, approved, and its outbox event.
    const request = await withTenant(h.db, t.tenantId, async (tx) =>
      createRefundRequest(tx, t.tenantId, {
        order: (await getOrder(tx, f.orderId)) as OrderRow,
        type: 'refund',
        actor: { type: 'system', id: 'test' },
      }),
    );
    expect(request.status).toBe('approved');
    expect((await processed(request.id)).payment_refund_id).toMatch(/^offline_refund_/);
    // The seat it owed is given back when the workflow completes it, once.
    expect((await h.owner('ticket_types').where({ id: f.ticketTypeId }).first()).sold).toBe(0);
  });

  it("accepts a refund while another transaction holds the ticket type's row", async () => {
    const f = await paidOrderForEvent(t, { daysOut: 40, quantity: 1, inventory: 5 });
    // What a concurrent order or a batch of released seats holds while it commits.
    const other = await h.owner.transaction();
    try {
      await other('ticket_types').where({ id: f.ticketTypeId }).forNoKeyUpdate().select('id');
      const answer = t.api.post<RequestBody>('/api/refund-requests', { order_id: f.orderId, type: 'refund' });
      const committed = await eventually(
        async () => h.owner('refund_requests').where({ order_id: f.orderId, status: 'approved' }).first(),
        { timeoutMs: 5_000, what: 'the request committed while the ticket type is locked' },
      );
      expect((await h.owner('tickets').where({ id: f.tickets[0].id }).first()).status).toBe('cancelled');
      await other.commit();
      const res = await answer;
      expect([res.status, res.body.id]).toEqual([201, committed.id]);
    } finally {
      if (!other.isCompleted()) await other.rollback();
    }
    expect((await h.owner('ticket_types').where({ id: f.ticketTypeId }).first()).sold).toBe(0);
  });

  it('turns a double submission into one request, racing or repeated', async () => {
    const f = await paidOrderForEvent(t, { daysOut: 3 });
    const body = { order_id: f.orderId, type: 'refund' };
    const racing = await Promise.all([
      t.api.post<RequestBody>('/api/refund-requests', body),
      t.api.post<RequestBody>('/api/refund-requests', body),
    ]);
    expect(racing.map((r) => r.status).sort()).toEqual([201, 409]);
    const loser = racing.find((r) => r.status === 409) as { body: unknown };
    expect(loser.body).toMatchObject({ code: 'request_exists' });
    expect(await h.owner('refund_requests').where({ order_id: f.orderId })).toHaveLength(1);

    const g = await paidOrderForEvent(t, { daysOut: 3 });
    const first = await t.api.post<RequestBody>(
      '/api/refund-requests',
      { order_id: g.orderId, type: 'refund' },
      { 'idempotency-key': `req-${g.orderId}` },
    );
    const again = await t.api.post<RequestBody>(
      '/api/refund-requests',
      { order_id: g.orderId, type: 'refund' },
      { 'idempotency-key': `req-${g.orderId}` },
    );
    expect([first.status, again.status, again.body.id]).toEqual([201, 201, first.body.id]);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
  });

  it('takes many concurrent refunds of the same ticket type, racing new orders, without a deadlock', async () => {
    const f = await paidOrderForEvent(t, { daysOut: 40, quantity: 1, inventory: 30 });
    const order = (i: number) =>
      t.api.post<{ id: number }>('/api/orders', {
        event_id: f.eventId,
        customer: { email: `race${i}-${f.eventId}@example.com`, name: 'Racer' },
        items: [{ ticket_type_id: f.ticketTypeId, quantity: 1 }],
      });
    const orders = await Promise.all(Array.from({ length: 12 }, (_, i) => order(i)));
    const results = await Promise.all([
      ...[f.orderId, ...orders.map((o) => o.body.id)].map((id) =>
        t.api.post('/api/refund-requests', { order_id: id, type: 'refund' }),
      ),
      ...Array.from({ length: 5 }, (_, i) => order(100 + i)),
    ]);
    expect({ statuses: results.map((r) => r.status), errors: h.apiErrors }).toEqual({
      statuses: Array(18).fill(201),
      errors: [],
    });
    expect((await h.owner('ticket_types').where({ id: f.ticketTypeId }).first()).sold).toBe(5);
  });

  it('leaves a request outside the policy pending for staff, who grant an exception amount', async () => {
    const f = await paidOrderForEvent(t, { daysOut: 3, quantity: 1, price: 4500 });
    const res = await t.api.post<RequestBody>('/api/refund-requests', {
      order_id: f.orderId,
      type: 'refund',
      reason: 'ill',
    });
    expect(res.body).toMatchObject({ status: 'pending', within_policy: false, refund_amount_minor: 0 });
    expect(res.body.quote.refund.reason).toMatch(/no refund 3 days before/);
    expect((await t.api.get<TicketBody>(`/api/tickets/${f.tickets[0].id}`)).body.status).toBe('valid');
    const pending = await t.api.get<{ items: { id: number }[] }>('/api/refund-requests?status=pending');
    expect(pending.body.items.map((r) => r.id)).toContain(res.body.id);

    expect((await t.api.post(`/api/refund-requests/${res.body.id}/approve`, { amount_minor: 9000 })).body.code).toBe(
      'amount_exceeds_paid',
    );
    const approved = await t.api.post<RequestBody>(`/api/refund-requests/${res.body.id}/approve`, {
      amount_minor: 3000,
      note: 'doctor note',
    });
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({
      status: expect.stringMatching(/approved|processed/),
      refund_amount_minor: 3000,
    });
    expect((await t.api.get<TicketBody>(`/api/tickets/${f.tickets[0].id}`)).body.status).toBe('cancelled');
    expect((await processed(res.body.id)).refund_amount_minor).toBe(3000);
    const again = await t.api.post(`/api/refund-requests/${res.body.id}/approve`, {});
    expect([again.status, again.body.code]).toEqual([409, 'request_not_pending']);
    const audit = await t.api.get<{ items: { action: string; actor: { type: string } }[] }>(
      `/api/audit?entity_type=refund_request&entity_id=${res.body.id}`,
    );
    expect(audit.body.items.map((a) => a.action)).toEqual(['refund.approve', 'refund.process']);
    expect(audit.body.items[0].actor.type).toBe('api_key');
  });

  it('rejects a pending request: tickets stay valid and may be asked about again', async () => {
    const f = await paidOrderForEvent(t, { daysOut: 3, quantity: 1 });
    const res = await t.api.post<RequestBody>('/api/refund-requests', { order_id: f.orderId, type: 'refund' });
    const rejected = await t.api.post<RequestBody>(`/api/refund-requests/${res.body.id}/reject`, {
      note: 'outside policy',
    });
    expect(rejected.body).toMatchObject({ status: 'rejected', decision_note: 'outside policy' });
    expect((await t.api.get<TicketBody>(`/api/tickets/${f.tickets[0].id}`)).body.status).toBe('valid');
    expect((await t.api.post('/api/refund-requests', { order_id: f.orderId, type: 'refund' })).status).toBe(201);
    expect(await h.owner('outbox').where({ type: 'refund.rejected', aggregate_id: String(res.body.id) })).toHaveLength(
      1,
    );
  });

  it('answers bad requests with clear 4xx codes', async () => {
    const f = await paidOrderForEvent(t, { daysOut: 40, quantity: 1 });
    const g = await paidOrderForEvent(t, { daysOut: 40, quantity: 1 });
    const cases: [unknown, number, string][] = [
      [{ order_id: f.orderId, type: 'refund', ticket_ids: [g.tickets[0].id] }, 422, 'ticket_not_in_order'],
      [{ order_id: f.orderId, type: 'transfer' }, 422, 'transfer_target_required'],
      [
        { order_id: f.orderId, type: 'refund', transfer_to: { name: 'X', email: 'x@example.com' } },
        422,
        'transfer_to_not_applicable',
      ],
      [{ order_id: f.orderId, type: 'swap' }, 400, 'validation_failed'],
      [{ order_id: 99999999, type: 'refund' }, 404, 'not_found'],
      [{ order_id: f.orderId, type: 'refund', ticket_ids: [] }, 400, 'validation_failed'],
    ];
    for (const [body, status, code] of cases) {
      const res = await t.api.post('/api/refund-requests', body);
      expect({ body, status: res.status, code: res.body.code }).toEqual({ body, status, code });
    }
    await t.api.post('/api/refund-requests', { order_id: f.orderId, type: 'refund' });
    const cancelled = await t.api.post('/api/refund-requests', {
      order_id: f.orderId,
      type: 'credit',
      ticket_ids: [f.tickets[0].id],
    });
    expect([cancelled.status, cancelled.body.code]).toEqual([409, 'ticket_not_valid']);
    const whole = await t.api.post('/api/refund-requests', { order_id: f.orderId, type: 'credit' });
    expect([whole.status, whole.body.code]).toEqual([409, 'no_valid_tickets']);
  });

  it('answers 403 when the tenant has not enabled the refunds module', async () => {
    const without = await createTenantWithKey(h, 'No refunds', ['admin'], ['checkin']);
    const res = await without.api.get('/api/refund-requests');
    expect([res.status, res.body.code]).toEqual([403, 'module_not_enabled']);
  });
});

describe('store credit', () => {
  it('converts tickets to credit on a ledger, which pays a new order in the same transaction', async () => {
    const f = await paidOrderForEvent(t, { daysOut: 3, quantity: 2, price: 4500 });
    const res = await t.api.post<RequestBody>('/api/refund-requests', { order_id: f.orderId, type: 'credit' });
    expect(res.body).toMatchObject({ status: 'approved', refund_amount_minor: 9000, fee_amount_minor: 0 });
    await processed(res.body.id);
    const credit = await t.api.get<{ balances: unknown[]; entries: { amount_minor: number; kind: string }[] }>(
      `/api/customers/${f.customerId}/store-credit`,
    );
    expect(credit.body.balances).toEqual([{ currency: 'EUR', balance_minor: 9000 }]);
    expect(credit.body.entries).toEqual([expect.objectContaining({ amount_minor: 9000, kind: 'refund_credit' })]);

    const g = await paidOrderForEvent(t, { daysOut: 20, quantity: 1, price: 5000, inventory: 5 });
    const token = await t.api.post<{ token: string }>(`/api/customers/${f.customerId}/tokens`, {});
    const me = client(h.baseUrl, token.body.token);
    const order = await me.post<{
      status: string;
      total_minor: number;
      payment: { provider: string; reference: string };
      tickets: unknown[];
    }>('/api/orders', {
      event_id: g.eventId,
      items: [{ ticket_type_id: g.ticketTypeId, quantity: 1 }],
      payment: { provider: 'credit' },
    });
    expect(order.status).toBe(201);
    expect(order.body).toMatchObject({
      status: 'paid',
      total_minor: 5000,
      payment: { provider: 'credit', reference: expect.stringMatching(/^credit_\d+$/) },
    });
    expect(order.body.tickets).toHaveLength(1);

    const short = await me.post('/api/orders', {
      event_id: g.eventId,
      items: [{ ticket_type_id: g.ticketTypeId, quantity: 1 }],
      payment: { provider: 'credit' },
    });
    expect([short.status, short.body.code, short.body.balance_minor]).toEqual([422, 'insufficient_credit', 4000]);
    expect((await h.owner('ticket_types').where({ id: g.ticketTypeId }).first()).sold).toBe(2);
    const after = await me.get<{ balances: unknown[]; entries: { amount_minor: number; kind: string }[] }>(
      `/api/customers/${f.customerId}/store-credit`,
    );
    expect(after.body.balances).toEqual([{ currency: 'EUR', balance_minor: 4000 }]);
    expect(after.body.entries.map((e) => [e.kind, e.amount_minor])).toEqual([
      ['refund_credit', 9000],
      ['order_payment', -5000],
    ]);
  });

  it('never spends the same credit twice when two orders race for it', async () => {
    const g = await paidOrderForEvent(t, { daysOut: 20, quantity: 1, price: 3000, inventory: 10 });
    const granted = await t.api.post(`/api/customers/${g.customerId}/store-credit`, {
      amount_minor: 4000,
      currency: 'EUR',
      note: 'goodwill',
    });
    expect(granted.status).toBe(201);
    const body = {
      event_id: g.eventId,
      customer_id: g.customerId,
      items: [{ ticket_type_id: g.ticketTypeId, quantity: 1 }],
      payment: { provider: 'credit' },
    };
    const results = await Promise.all([
      t.api.post('/api/orders', body),
      t.api.post('/api/orders', body),
      t.api.post('/api/orders', body),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual([201, 422, 422]);
    const balance = await t.api.get<{ balances: { balance_minor: number }[] }>(
      `/api/customers/${g.customerId}/store-credit`,
    );
    expect(balance.body.balances[0].balance_minor).toBe(1000);
  });
});

describe('transfers', () => {
  it('voids the old code and issues a new one to the new holder', async () => {
    const f = await paidOrderForEvent(t, { daysOut: 10, quantity: 2 });
    const res = await t.api.post<RequestBody>('/api/refund-requests', {
      order_id: f.orderId,
      ticket_ids: [f.tickets[0].id],
      type: 'transfer',
      transfer_to: { name: 'Friend', email: 'Friend@Example.com' },
    });
    expect(res.body).toMatchObject({ status: 'approved', type: 'transfer' });
    const newId = res.body.tickets[0].new_ticket_id as number;
    const old = await t.api.get<TicketBody>(`/api/tickets/${f.tickets[0].id}`);
    const fresh = await t.api.get<TicketBody>(`/api/tickets/${newId}`);
    expect(old.body).toMatchObject({ status: 'transferred', replaced_by_ticket_id: newId });
    expect(fresh.body).toMatchObject({
      status: 'valid',
      holder_email: 'friend@example.com',
      replaced_by_ticket_id: null,
    });
    expect(fresh.body.code).not.toBe(old.body.code);
    // At the gate: the old code is refused, the new holder's code admits.
    const gate = await t.api.post<{ id: number }>('/api/checkin/gates', { event_id: f.eventId, name: 'Main entrance' });
    const scan = (code: string, scanId: string) =>
      t.api.post<{ verdict: string; reason?: string }>('/api/checkin/scan', {
        scan_id: scanId,
        code,
        gate_id: gate.body.id,
      });
    expect((await scan(old.body.code, `transfer-old-${newId}`)).body).toMatchObject({
      verdict: 'invalid',
      reason: 'transferred',
    });
    expect((await scan(fresh.body.code, `transfer-new-${newId}`)).body).toMatchObject({ verdict: 'success' });
    expect((await h.owner('ticket_types').where({ id: f.ticketTypeId }).first()).sold).toBe(2);
    const event = await h
      .owner('outbox')
      .where({ type: 'ticket.transferred', aggregate_id: String(f.tickets[0].id) })
      .first();
    expect(event.payload).toMatchObject({ old_ticket_id: f.tickets[0].id, new_ticket_id: newId, event_id: f.eventId });
    await processed(res.body.id);
  });

  it('sends a transfer the policy forbids (under 7 days) to staff', async () => {
    const f = await paidOrderForEvent(t, { daysOut: 3, quantity: 1 });
    const res = await t.api.post<RequestBody>('/api/refund-requests', {
      order_id: f.orderId,
      type: 'transfer',
      transfer_to: { name: 'Late', email: 'late@example.com' },
    });
    expect(res.body).toMatchObject({ status: 'pending', within_policy: false });
    expect((await t.api.get<TicketBody>(`/api/tickets/${f.tickets[0].id}`)).body.status).toBe('valid');
  });
});

describe('exchanges', () => {
  const ledger = async (customerId: number) =>
    (
      await t.api.get<{ balances: { balance_minor: number }[]; entries: { kind: string; amount_minor: number }[] }>(
        `/api/customers/${customerId}/store-credit`,
      )
    ).body;

  it('moves to a cheaper date: old code voided, new ticket issued, the difference refunded to the original payment', async () => {
    const f = await paidOrderForEvent(t, { daysOut: 10, quantity: 1, price: 4500 });
    const later = await t.api.post<{ id: number }>(`/api/events/${f.eventId}/ticket-types`, {
      name: 'Matinee',
      price_minor: 3000,
      currency: 'EUR',
      inventory: 5,
    });
    const res = await t.api.post<RequestBody & { exchange_to: unknown }>('/api/refund-requests', {
      order_id: f.orderId,
      type: 'exchange',
      exchange_to: { ticket_type_id: later.body.id },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      status: 'approved',
      within_policy: true,
      refund_amount_minor: 1500,
      exchange_to: { ticket_type_id: later.body.id, unit_price_minor: 3000 },
    });
    const newId = res.body.tickets[0].new_ticket_id as number;
    expect((await t.api.get<TicketBody>(`/api/tickets/${f.tickets[0].id}`)).body).toMatchObject({
      status: 'voided',
      replaced_by_ticket_id: newId,
    });
    const fresh = await t.api.get<TicketBody & { ticket_type_id: number; order_id: number }>(`/api/tickets/${newId}`);
    expect(fresh.body).toMatchObject({ status: 'valid', ticket_type_id: later.body.id, customer_id: f.customerId });
    expect(
      (
        await t.api.get<{ status: string; total_minor: number; payment: { provider: string } }>(
          `/api/orders/${fresh.body.order_id}`,
        )
      ).body,
    ).toMatchObject({ status: 'paid', total_minor: 3000, payment: { provider: 'credit' } });
    expect((await h.owner('ticket_types').where({ id: f.ticketTypeId }).first()).sold).toBe(0);
    expect((await h.owner('ticket_types').where({ id: later.body.id }).first()).sold).toBe(1);

    const done = await processed(res.body.id);
    expect(done.payment_refund_id).toMatch(/^offline_refund_/);
    const credit = await ledger(f.customerId);
    expect(credit.balances).toEqual([{ currency: 'EUR', balance_minor: 0 }]);
    expect(credit.entries.map((e) => [e.kind, e.amount_minor])).toEqual([
      ['exchange', 4500],
      ['order_payment', -3000],
      ['exchange', -1500],
    ]);
    const voided = await h
      .owner('outbox')
      .where({ type: 'ticket.voided', aggregate_id: String(f.tickets[0].id) })
      .first();
    expect(voided.payload).toMatchObject({ old_ticket_id: f.tickets[0].id, new_ticket_id: newId, event_id: f.eventId });
    expect(
      await h
        .owner('usage_records')
        .where({ idempotency_key: `refunds.processing:${res.body.id}` })
        .first('amount_minor'),
    ).toEqual({ amount_minor: 30 });
  });

  it('moves to a dearer ticket by spending store credit on the difference, and refuses without enough', async () => {
    const f = await paidOrderForEvent(t, { daysOut: 10, quantity: 1, price: 4500 });
    const vip = await t.api.post<{ id: number }>(`/api/events/${f.eventId}/ticket-types`, {
      name: 'VIP',
      price_minor: 6000,
      currency: 'EUR',
      inventory: 5,
    });
    const body = { order_id: f.orderId, type: 'exchange', exchange_to: { ticket_type_id: vip.body.id } };
    const refused = await t.api.post('/api/refund-requests', body);
    expect([refused.status, refused.body.code, refused.body.needed_minor]).toEqual([422, 'insufficient_credit', 6000]);
    expect((await t.api.get<TicketBody>(`/api/tickets/${f.tickets[0].id}`)).body.status).toBe('valid');
    expect(await h.owner('refund_requests').where({ order_id: f.orderId })).toHaveLength(0);

    await t.api.post(`/api/customers/${f.customerId}/store-credit`, {
      amount_minor: 1500,
      currency: 'EUR',
      note: 'top-up',
    });
    const res = await t.api.post<RequestBody>('/api/refund-requests', body);
    expect(res.body).toMatchObject({ status: 'approved', refund_amount_minor: 0 });
    const done = await processed(res.body.id);
    expect(done.payment_refund_id).toBeNull();
    expect((await ledger(f.customerId)).balances).toEqual([{ currency: 'EUR', balance_minor: 0 }]);
    expect((await t.api.get<TicketBody>(`/api/tickets/${f.tickets[0].id}`)).body.status).toBe('voided');
  });

  it('rejects an exchange to an unknown or identical ticket type', async () => {
    const f = await paidOrderForEvent(t, { daysOut: 10, quantity: 1 });
    const unknown = await t.api.post('/api/refund-requests', {
      order_id: f.orderId,
      type: 'exchange',
      exchange_to: { ticket_type_id: 99999999 },
    });
    expect([unknown.status, unknown.body.code]).toEqual([422, 'unknown_ticket_type']);
    const same = await t.api.post('/api/refund-requests', {
      order_id: f.orderId,
      type: 'exchange',
      exchange_to: { ticket_type_id: f.ticketTypeId },
    });
    expect([same.status, same.body.code]).toEqual([422, 'same_ticket_type']);
    const missing = await t.api.post('/api/refund-requests', { order_id: f.orderId, type: 'exchange' });
    expect([missing.status, missing.body.code]).toEqual([422, 'exchange_target_required']);
  });
});
