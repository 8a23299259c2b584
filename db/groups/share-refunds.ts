import type { Tx } from '../connection';
import { quoteToJson } from '../../domain/refunds/policy';
import { getOrder, type OrderRow } from '../orders/orders';
import type { AuditActor } from '../platform/audit';
import { approveRefundRequest } from '../refunds/decisions';
import { completeRefundRequest } from '../refunds/processing';
import { quoteTickets } from '../refunds/quotes';
import { getRefundRequest, type RefundRequestRow } from '../refunds/requests';
import { releasePendingSeats } from '../refunds/seats';
import type { TicketRow } from '../tickets/tickets';
import { getGroup, type GroupMemberRow, type GroupRow } from './groups';
import type { GroupPaymentRow } from './payments';

export interface ShareRefund {
  payment: GroupPaymentRow;
  request: RefundRequestRow;
  /** What to ask the provider for (none for a free share): the share's own payment, under the share's key. */
  provider: { reference: string; amountMinor: number; idempotencyKey: string; reason: string } | null;
}

/** Whoever refunds a share (the deadline, or the payment that lost its race with it) asks the provider the same. */
const withProvider = (payment: GroupPaymentRow, request: RefundRequestRow, tenantId: string): ShareRefund => ({
  payment,
  request,
  provider:
    payment.amount_minor > 0 && payment.provider_ref
      ? {
          reference: payment.provider_ref,
          amountMinor: payment.amount_minor,
          idempotencyKey: `group-refund-${tenantId}-${payment.id}`,
          reason: request.reason ?? 'group share refunded',
        }
      : null,
});

/**
 * Opens, once per share, the refunds-module request a group share is refunded through: a refund of the group's
 * order for the share's tickets, approved at once for the whole amount paid (the group was cancelled or the seat
 * released: no policy applies), as the event's mass refund does. Approval cancels the tickets and gives their seats
 * back; the seats' members are marked released. The request shows in the refund listings and is completed
 * (metered, audited, `refund.processed`) by `completeShareRefund` once the provider refunded the share's payment.
 * Answers undefined when the share is not (or no longer) to be refunded.
 */
export async function openShareRefund(
  tx: Tx,
  tenantId: string,
  paymentId: number,
  opts: { reason: string; actor: AuditActor },
): Promise<ShareRefund | undefined> {
  const payment = await tx<GroupPaymentRow>('group_payments').where({ id: paymentId }).forUpdate().first();
  if (!payment || !['succeeded', 'refund_due'].includes(payment.status)) return undefined;
  if (payment.refund_request_id)
    return withProvider(payment, (await getRefundRequest(tx, payment.refund_request_id)) as RefundRequestRow, tenantId);

  const group = (await getGroup(tx, payment.group_id)) as GroupRow;
  const order = (await getOrder(tx, group.order_id as number)) as OrderRow;
  const memberIds = payment.member_ids.map(Number);
  const members = await tx<GroupMemberRow>('group_members').whereIn('id', memberIds).orderBy('id');
  const priceOf = new Map(members.filter((m) => m.ticket_id).map((m) => [Number(m.ticket_id), m.price_minor ?? 0]));
  const tickets = await tx<TicketRow>('tickets')
    .whereIn('id', [...priceOf.keys()])
    .andWhere({ status: 'valid' })
    .orderBy('id')
    .forUpdate();
  const lines = tickets.map((ticket) => ({ ticket, paidMinor: priceOf.get(ticket.id) ?? 0 }));
  const { quote } = await quoteTickets(tx, order, lines);
  const payer = members.find((m) => m.customer_id)?.customer_id;
  const [request] = (await tx('refund_requests')
    .insert({
      tenant_id: tenantId,
      order_id: order.id,
      event_id: order.event_id,
      customer_id: payment.payer === 'member' && payer ? payer : group.leader_customer_id,
      type: 'refund',
      reason: opts.reason,
      status: 'pending',
      within_policy: true,
      currency: payment.currency,
      original_amount_minor: payment.amount_minor,
      refund_amount_minor: payment.amount_minor,
      fee_amount_minor: 0,
      quote: JSON.stringify({ ...quoteToJson(quote), policy_source: 'group' }),
      details: JSON.stringify({ group_id: group.id, group_payment_id: payment.id }),
    })
    .returning('*')) as RefundRequestRow[];
  if (lines.length)
    await tx('refund_request_tickets').insert(
      lines.map((l) => ({
        tenant_id: tenantId,
        request_id: request.id,
        ticket_id: l.ticket.id,
        paid_minor: l.paidMinor,
      })),
    );
  const approved = await approveRefundRequest(tx, tenantId, request.id, {
    actor: opts.actor,
    note: opts.reason,
    amountMinor: payment.amount_minor,
    deferSeats: true,
  });
  await releasePendingSeats(tx, tenantId, [request.id]);
  await tx('group_members')
    .whereIn('id', memberIds)
    .whereNot({ status: 'released' })
    .update({ status: 'released', updated_at: tx.fn.now() });
  await tx('group_payments').where({ id: payment.id }).update({ refund_request_id: request.id });
  return withProvider(payment, approved, tenantId);
}

/**
 * Books the provider's refund on the request (a null reference: there was nothing to send) and marks the share
 * refunded. A provider that refused leaves the request approved for staff, as the refunds module does.
 */
export async function completeShareRefund(
  tx: Tx,
  tenantId: string,
  refund: ShareRefund,
  outcome: { reference: string | null; workflowId: string },
): Promise<void> {
  await completeRefundRequest(tx, tenantId, refund.request.id, {
    paymentRefundId: outcome.reference,
    route: outcome.reference ? 'provider' : 'none',
    workflowId: outcome.workflowId,
  });
  await tx('group_payments').where({ id: refund.payment.id }).update({ status: 'refunded', updated_at: tx.fn.now() });
}
