import type { Tx } from '../connection';
import { quoteToJson } from '../../domain/refunds/policy';
import type { OrderRow } from '../orders/orders';
import { appendAudit } from '../platform/audit';
import { emit } from '../platform/outbox';
import { approveRefundRequest } from './decisions';
import { loadTicketLines, quoteTickets } from './quotes';
import type { RefundRequestRow } from './requests';
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
 * type. An order is taken at most once per run (unique index), so a retried batch takes the next ones.
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
  const approved: number[] = [];
  for (const order of orders) {
    // A claim still running after its activity timed out can race its retry: the one that waited on
    // the ticket locks finds the other's tickets cancelled, and passes the order over.
    const lines = (await loadTicketLines(tx, order, undefined, { lock: true, allowNone: true })).filter(
      (l) => l.ticket.status === 'valid',
    );
    const live = new Set(
      (
        await tx('refund_request_tickets')
          .whereIn(
            'ticket_id',
            lines.map((l) => l.ticket.id),
          )
          .andWhere({ active: true })
          .select('ticket_id')
      ).map((r: { ticket_id: number }) => r.ticket_id),
    );
    const mine = lines.filter((l) => !live.has(l.ticket.id));
    if (!mine.length) continue;
    const { quote: q } = await quoteTickets(tx, order, mine);
    const paid = mine.reduce((sum, l) => sum + l.paidMinor, 0);
    const [request] = (await tx('refund_requests')
      .insert({
        tenant_id: tenantId,
        order_id: order.id,
        event_id: order.event_id,
        customer_id: order.customer_id,
        type: run.mode,
        reason: run.reason ?? 'event cancelled',
        status: 'pending',
        within_policy: true,
        currency: order.currency,
        original_amount_minor: paid,
        refund_amount_minor: paid,
        fee_amount_minor: 0,
        quote: JSON.stringify({ ...quoteToJson(q), policy_source: 'event_cancelled' }),
        event_refund_run_id: run.id,
      })
      .returning('*')) as RefundRequestRow[];
    await tx('refund_request_tickets').insert(
      mine.map((l) => ({
        tenant_id: tenantId,
        request_id: request.id,
        ticket_id: l.ticket.id,
        paid_minor: l.paidMinor,
      })),
    );
    await approveRefundRequest(tx, tenantId, request.id, {
      actor: { type: 'workflow', id: workflowId },
      note: 'event cancelled',
      amountMinor: paid,
      deferSeats: true,
    });
    approved.push(request.id);
  }
  await releasePendingSeats(tx, tenantId, approved);
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
