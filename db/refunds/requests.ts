import type { Tx } from '../connection';
import type { QuoteJson, RequestType } from '../../domain/refunds/policy';
import type { EventPayload } from '../../domain/catalogue';

export const REQUEST_STATUSES = ['pending', 'approved', 'rejected', 'processed'] as const;
export type RequestStatus = (typeof REQUEST_STATUSES)[number];

export interface TransferTarget {
  name: string;
  email: string;
}
export interface ExchangeTarget {
  event_id: number;
  ticket_type_id: number;
  unit_price_minor: number;
}

export interface RefundRequestRow {
  id: number;
  tenant_id: string;
  order_id: number;
  event_id: number;
  customer_id: number;
  type: RequestType;
  reason: string | null;
  status: RequestStatus;
  within_policy: boolean;
  currency: string;
  original_amount_minor: number;
  refund_amount_minor: number;
  fee_amount_minor: number;
  quote: QuoteJson & { policy_source: string };
  details: { transfer_to?: TransferTarget; exchange_to?: ExchangeTarget };
  payment_refund_id: string | null;
  /** Tickets cancelled on approval whose seats are still to be given back (`releasePendingSeats`). */
  seats_pending: boolean;
  /** The event's mass refund that made this request, if any. */
  event_refund_run_id: number | null;
  decided_by: string | null;
  decision_note: string | null;
  decided_at: Date | null;
  processed_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export interface RequestTicketRow {
  request_id: number;
  ticket_id: number;
  paid_minor: number;
  new_ticket_id: number | null;
  active: boolean;
}

export async function getRefundRequest(
  tx: Tx,
  id: number,
  opts: { lock?: boolean } = {},
): Promise<RefundRequestRow | undefined> {
  const q = tx<RefundRequestRow>('refund_requests').where({ id }).first();
  return opts.lock ? q.forUpdate() : q;
}

export async function getRequestTickets(tx: Tx, requestId: number): Promise<RequestTicketRow[]> {
  return tx<RequestTicketRow>('refund_request_tickets').where({ request_id: requestId }).orderBy('ticket_id');
}

export async function listRefundRequests(
  tx: Tx,
  filter: { status?: RequestStatus; customerId?: number; orderId?: number; after?: number; limit: number },
): Promise<RefundRequestRow[]> {
  const q = tx<RefundRequestRow>('refund_requests').orderBy('id').limit(filter.limit);
  if (filter.status) q.where('status', filter.status);
  if (filter.customerId) q.where('customer_id', filter.customerId);
  if (filter.orderId) q.where('order_id', filter.orderId);
  if (filter.after) q.where('id', '>', filter.after);
  return q;
}

/** What every `refund.*` event says about its request. */
export const requestPayload = (r: RefundRequestRow): EventPayload<'refund.requested'> => ({
  request_id: r.id,
  type: r.type,
  status: r.status,
  order_id: r.order_id,
  event_id: r.event_id,
  customer_id: r.customer_id,
  currency: r.currency.trim(),
  refund_amount_minor: r.refund_amount_minor,
  fee_amount_minor: r.fee_amount_minor,
});

/**
 * Locks the ticket types whose stock a request moves, in id order, before anything references the
 * event: order placement takes ticket types first and the event last, so taking them in the same
 * order here means concurrent refunds and orders queue instead of deadlocking. The lock is the one
 * an UPDATE takes (no key update), so it does not block ticket inserts that reference the type.
 */
export async function lockTicketTypes(tx: Tx, ids: number[]): Promise<void> {
  await tx('ticket_types')
    .whereIn('id', [...new Set(ids)])
    .orderBy('id')
    .forNoKeyUpdate()
    .select('id');
}
