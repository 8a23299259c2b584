import type { Tx } from '../connection';
import { quoteToJson } from '../../domain/refunds/policy';
import type { OrderRow } from '../orders/orders';
import { appendAudit, appendAudits } from '../platform/audit';
import { emit } from '../platform/outbox';
import type { TicketRow } from '../tickets/tickets';
import { eventQuoting, quoteLines } from './quotes';
import { requestPayload, type RefundRequestRow } from './requests';
import { releasePendingSeats } from './seats';

export type EventRefundMode = 'refund' | 'credit';

export interface EventRefundRunRow {
  id: number;
  tenant_id: string;
  event_id: number;
  mode: EventRefundMode;
  reason: string | null;
  status: 'running' | 'completed';
  workflow_id: string;
  total: number;
  done: number;
  failed: number;
  refunded_minor: string | number;
  created_at: Date;
  updated_at: Date;
  completed_at: Date | null;
}

export interface EventRefundProgressRow {
  status: 'running' | 'completed';
  total: number;
  done: number;
  failed: number;
  refunded_minor: number;
}

export async function getEventRefundRun(tx: Tx, eventId: number): Promise<EventRefundRunRow | undefined> {
  return tx<EventRefundRunRow>('event_refund_runs').where({ event_id: eventId }).first();
}

/**
 * The event's mass refund, created on the first call and answered as it is on every later one (a
 * repeated call is the same run; `created` tells which). Emits `event.refunds_started` once.
 */
export async function startEventRefundRun(
  tx: Tx,
  tenantId: string,
  input: { eventId: number; mode: EventRefundMode; reason?: string; workflowId: string },
): Promise<{ run: EventRefundRunRow; created: boolean }> {
  const [inserted] = (await tx('event_refund_runs')
    .insert({
      tenant_id: tenantId,
      event_id: input.eventId,
      mode: input.mode,
      reason: input.reason ?? null,
      workflow_id: input.workflowId,
    })
    .onConflict(['tenant_id', 'event_id'])
    .ignore()
    .returning('*')) as EventRefundRunRow[];
  if (!inserted) return { run: (await getEventRefundRun(tx, input.eventId)) as EventRefundRunRow, created: false };
  await emit(tx, tenantId, {
    type: 'event.refunds_started',
    aggregateType: 'event',
    aggregateId: input.eventId,
    payload: { event_id: input.eventId, run_id: inserted.id, mode: input.mode },
  });
  return { run: inserted, created: true };
}

/** Paid orders of the event with a valid ticket in no live request, not yet taken by the run. */
function claimableOrders(tx: Tx, run: EventRefundRunRow) {
  return tx('orders as o')
    .where({ 'o.event_id': run.event_id, 'o.status': 'paid' })
    .whereExists(
      tx('tickets as t')
        .whereRaw('t.order_id = o.id')
        .andWhere('t.status', 'valid')
        .whereNotExists(tx('refund_request_tickets as rt').whereRaw('rt.ticket_id = t.id').andWhere('rt.active', true)),
    )
    .whereNotExists(tx('refund_requests as r').whereRaw('r.order_id = o.id').andWhere('r.event_refund_run_id', run.id));
}

/**
 * Takes the next `limit` orders into the run: each becomes a request of the run's mode for all its
 * valid tickets, approved at once for everything paid (the event is cancelled, the policy does not
 * apply), its tickets cancelled; the seats of the whole batch go back at the end, once per ticket
 * type. Set-based: a few statements for the whole batch, whatever its size. An order is taken at
 * most once per run (unique index), so a retried batch takes the next ones. Answers how many orders
 * it looked at (0: nothing left to take).
 */
export async function claimEventRefundBatch(
  tx: Tx,
  tenantId: string,
  runId: number,
  limit: number,
  workflowId: string,
): Promise<number> {
  const run = await tx<EventRefundRunRow>('event_refund_runs').where({ id: runId }).first();
  if (!run || run.status === 'completed') return 0;
  const orders = (await claimableOrders(tx, run).orderBy('o.id').limit(limit).select('o.*')) as OrderRow[];
  if (!orders.length) return 0;
  // A claim still running after its activity timed out can race its retry: the one that waited on
  // the ticket locks no longer sees the other's tickets as valid (the condition is checked again
  // after the wait), nor as free, and passes their orders over.
  const tickets = await tx<TicketRow>('tickets')
    .whereIn(
      'order_id',
      orders.map((o) => o.id),
    )
    .andWhere({ status: 'valid' })
    .orderBy('id')
    .forUpdate();
  const live = new Set<number>(
    await tx('refund_request_tickets')
      .whereIn(
        'ticket_id',
        tickets.map((t) => t.id),
      )
      .andWhere({ active: true })
      .pluck('ticket_id'),
  );
  const prices = new Map(
    (
      (await tx('order_items')
        .whereIn(
          'order_id',
          orders.map((o) => o.id),
        )
        .select('order_id', 'ticket_type_id', 'unit_price_minor')) as {
        order_id: number;
        ticket_type_id: number;
        unit_price_minor: number;
      }[]
    ).map((i) => [`${i.order_id}:${i.ticket_type_id}`, i.unit_price_minor]),
  );
  const claims = orders
    .map((order) => ({
      order,
      lines: tickets
        .filter((t) => t.order_id === order.id && !live.has(t.id))
        .map((ticket) => ({ ticket, paidMinor: prices.get(`${order.id}:${ticket.ticket_type_id}`) ?? 0 })),
    }))
    .filter((c) => c.lines.length);
  if (!claims.length) return orders.length;

  const quoting = await eventQuoting(tx, run.event_id);
  const actor = { type: 'workflow' as const, id: workflowId };
  const note = 'event cancelled';
  const requests = (await tx('refund_requests')
    .insert(
      claims.map(({ order, lines }) => {
        const paid = lines.reduce((sum, l) => sum + l.paidMinor, 0);
        return {
          tenant_id: tenantId,
          order_id: order.id,
          event_id: order.event_id,
          customer_id: order.customer_id,
          type: run.mode,
          reason: run.reason ?? note,
          // Approved as it is made: what `approveRefundRequest` with `deferSeats` would leave.
          status: 'approved',
          within_policy: true,
          currency: order.currency,
          original_amount_minor: paid,
          refund_amount_minor: paid,
          fee_amount_minor: 0,
          quote: JSON.stringify({
            ...quoteToJson(quoteLines(quoting, order, lines)),
            policy_source: 'event_cancelled',
          }),
          event_refund_run_id: run.id,
          seats_pending: true,
          decided_by: `${actor.type}:${actor.id}`,
          decision_note: note,
          decided_at: tx.fn.now(),
        };
      }),
    )
    .returning('*')) as RefundRequestRow[];
  const requestOf = new Map(requests.map((r) => [r.order_id, r]));
  const cancelled = claims.flatMap((c) => c.lines.map((l) => ({ request: requestOf.get(c.order.id)!, ticket: l })));
  await tx('refund_request_tickets').insert(
    cancelled.map(({ request, ticket }) => ({
      tenant_id: tenantId,
      request_id: request.id,
      ticket_id: ticket.ticket.id,
      paid_minor: ticket.paidMinor,
    })),
  );
  await tx('tickets')
    .whereIn(
      'id',
      cancelled.map((c) => c.ticket.ticket.id),
    )
    .update({ status: 'cancelled', updated_at: tx.fn.now() });
  await appendAudits(
    tx,
    tenantId,
    requests.map((r) => ({
      actor,
      action: 'refund.approve',
      entityType: 'refund_request',
      entityId: r.id,
      before: { status: 'pending' },
      after: { status: 'approved', refund_amount_minor: r.refund_amount_minor, note },
    })),
  );
  await emit(tx, tenantId, [
    ...cancelled.map(({ ticket: { ticket: t } }) => ({
      type: 'ticket.cancelled' as const,
      aggregateType: 'ticket',
      aggregateId: t.id,
      payload: { ticket_id: t.id, event_id: t.event_id, ticket_type_id: t.ticket_type_id },
    })),
    ...requests.map((r) => ({
      type: 'refund.approved' as const,
      aggregateType: 'refund_request',
      aggregateId: r.id,
      payload: requestPayload(r),
    })),
  ]);
  await releasePendingSeats(
    tx,
    tenantId,
    requests.map((r) => r.id),
  );
  return orders.length;
}

/** The run's approved requests after `afterId` still to refund (a refused one is passed over). */
export async function approvedRunRequests(
  tx: Tx,
  runId: number,
  afterId: number,
  limit: number,
): Promise<RefundRequestRow[]> {
  return tx<RefundRequestRow>('refund_requests')
    .where({ event_refund_run_id: runId, status: 'approved' })
    .andWhere('id', '>', afterId)
    .whereRaw(`details->>'refund_failed' is null`)
    .orderBy('id')
    .limit(limit);
}

/** Marks a request the provider refused: it stays approved for staff, and counts as failed. */
export async function markRunRefundFailed(tx: Tx, requestId: number, reference: string): Promise<void> {
  await tx('refund_requests')
    .where({ id: requestId })
    .update({
      details: tx.raw(`details || jsonb_build_object('refund_failed', ?::text)`, [reference]),
      updated_at: tx.fn.now(),
    });
}

/** Recounts the run's progress from its requests and what is left to take, and stores it on the run. */
export async function updateEventRefundProgress(tx: Tx, runId: number): Promise<EventRefundProgressRow> {
  const run = (await tx<EventRefundRunRow>('event_refund_runs').where({ id: runId }).first()) as EventRefundRunRow;
  const [counts] = (await tx('refund_requests')
    .where({ event_refund_run_id: runId })
    .select(
      tx.raw('count(*)::int as taken'),
      tx.raw(`count(*) filter (where status = 'processed')::int as done`),
      tx.raw(`count(*) filter (where status = 'approved' and details->>'refund_failed' is not null)::int as failed`),
      tx.raw(`coalesce(sum(refund_amount_minor) filter (where status = 'processed'), 0)::bigint as refunded_minor`),
    )) as unknown as { taken: number; done: number; failed: number; refunded_minor: string }[];
  const [{ left }] = (await claimableOrders(tx, run).select(tx.raw('count(*)::int as left'))) as unknown as {
    left: number;
  }[];
  const progress = {
    total: counts.taken + left,
    done: counts.done,
    failed: counts.failed,
    refunded_minor: Number(counts.refunded_minor),
  };
  await tx('event_refund_runs')
    .where({ id: runId })
    .update({ ...progress, updated_at: tx.fn.now() });
  return { status: run.status, ...progress };
}

/** Closes the run once nothing is left to take or refund; completing twice is a no-op. */
export async function completeEventRefundRun(
  tx: Tx,
  tenantId: string,
  runId: number,
  workflowId: string,
): Promise<EventRefundProgressRow> {
  const progress = await updateEventRefundProgress(tx, runId);
  const [run] = (await tx('event_refund_runs')
    .where({ id: runId, status: 'running' })
    .update({ status: 'completed', completed_at: tx.fn.now(), updated_at: tx.fn.now() })
    .returning('*')) as EventRefundRunRow[];
  if (!run) return { ...progress, status: 'completed' as const };
  await appendAudit(tx, tenantId, {
    actor: { type: 'workflow', id: workflowId },
    action: 'event.refunds_complete',
    entityType: 'event',
    entityId: run.event_id,
    before: { status: 'running' },
    after: { ...progress, status: 'completed', mode: run.mode },
  });
  await emit(tx, tenantId, {
    type: 'event.refunds_completed',
    aggregateType: 'event',
    aggregateId: run.event_id,
    payload: {
      event_id: run.event_id,
      run_id: run.id,
      mode: run.mode,
      total: progress.total,
      done: progress.done,
      failed: progress.failed,
    },
  });
  return { ...progress, status: 'completed' };
}
