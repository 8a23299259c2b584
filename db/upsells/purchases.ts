import type { Tx } from '../connection';
import { lineCommissionMinor, voucherProducts } from '../../domain/upsells/purchases';
import { releaseInventory } from '../events/inventory';
import { emit } from '../platform/outbox';
import { recordUsage } from '../platform/usage';
import { generateTicketCode, getTicket } from '../tickets/tickets';

export interface UpsellLineRow {
  id: number;
  tenant_id: string;
  order_id: number;
  product_id: number;
  kind: 'addon' | 'bundle' | 'upgrade';
  payment_id: number | null;
  ticket_id: number | null;
  quantity: number;
  variant: string | null;
  unit_price_minor: number;
  currency: string;
  offer_id: string | null;
  status: 'pending' | 'paid' | 'cancelled' | 'refunded';
  created_at: Date;
  paid_at: Date | null;
  refunded_at: Date | null;
  refund_minor: number | null;
}

export interface VoucherRow {
  id: number;
  line_id: number;
  /** What it admits to: the line's product, or a component of the line's bundle. */
  product_id: number;
  event_id: number;
  code: string;
  status: 'valid' | 'redeemed' | 'cancelled';
  redeemed_at: Date | null;
  redeemed_gate_id: number | null;
}

/** An order's lines (`withOrder`: only those paid with the order itself), or those of one later payment. */
export type LineSet = { orderId: number; withOrder: boolean } | { paymentId: number };

function whereSet(tx: Tx, set: LineSet) {
  if ('paymentId' in set) return tx<UpsellLineRow>('upsell_order_lines').where({ payment_id: set.paymentId });
  const q = tx<UpsellLineRow>('upsell_order_lines').where({ order_id: set.orderId });
  return set.withOrder ? q.whereNull('payment_id') : q;
}

export async function getUpsellLine(tx: Tx, id: number): Promise<UpsellLineRow | undefined> {
  return tx<UpsellLineRow>('upsell_order_lines').where({ id }).first();
}

export async function listOrderUpsellLines(tx: Tx, orderId: number): Promise<UpsellLineRow[]> {
  return tx<UpsellLineRow>('upsell_order_lines').where({ order_id: orderId }).orderBy('id');
}

/** The lines a later payment pays for. */
export async function listPaymentLines(tx: Tx, paymentId: number): Promise<UpsellLineRow[]> {
  return whereSet(tx, { paymentId }).orderBy('id');
}

export async function listVouchersOfLines(tx: Tx, lineIds: number[]): Promise<VoucherRow[]> {
  if (!lineIds.length) return [];
  return tx<VoucherRow>('upsell_vouchers').whereIn('line_id', lineIds).orderBy('id');
}

/** Units of each product an order holds in pending or paid lines (limits count them). */
export async function heldUnits(tx: Tx, orderId: number): Promise<Map<number, number>> {
  const rows = (await tx('upsell_order_lines')
    .where({ order_id: orderId })
    .whereIn('status', ['pending', 'paid'])
    .whereNot({ kind: 'upgrade' })
    .groupBy('product_id')
    .select('product_id', tx.raw('sum(quantity)::int as units'))) as { product_id: number; units: number }[];
  return new Map(rows.map((r) => [Number(r.product_id), r.units]));
}

/** Moves a ticket to another type with a fresh code: the old code stops scanning at once. */
async function moveTicket(tx: Tx, tenantId: string, line: UpsellLineRow, toTicketTypeId: number): Promise<void> {
  const ticket = await getTicket(tx, line.ticket_id as number, { lock: true });
  if (!ticket) return;
  await tx('tickets')
    .where({ id: ticket.id })
    .update({ ticket_type_id: toTicketTypeId, code: generateTicketCode(), updated_at: tx.fn.now() });
  // The target type's seat was taken when the upgrade was asked for; the old one is free now.
  await releaseInventory(tx, ticket.ticket_type_id, 1);
  const revenue = line.unit_price_minor * line.quantity;
  await emit(tx, tenantId, [
    {
      type: 'ticket.updated',
      aggregateType: 'ticket',
      aggregateId: ticket.id,
      payload: { ticket_id: ticket.id, event_id: ticket.event_id, changed: ['ticket_type_id', 'code'] },
    },
    {
      type: 'ticket.upgraded',
      aggregateType: 'ticket',
      aggregateId: ticket.id,
      payload: {
        ticket_id: ticket.id,
        event_id: ticket.event_id,
        order_id: ticket.order_id,
        product_id: line.product_id,
        from_ticket_type_id: ticket.ticket_type_id,
        to_ticket_type_id: toTicketTypeId,
        charge_minor: revenue,
        currency: line.currency.trim(),
      },
    },
  ]);
}

/** The components of a bundle that need redemption: each of their units in the bundle gets a code of its own. */
async function redeemableComponents(tx: Tx, items: { product_id?: number }[]): Promise<Set<number>> {
  const ids = items.flatMap((i) => (i.product_id === undefined ? [] : [i.product_id]));
  if (!ids.length) return new Set();
  const rows = (await tx('upsell_products').whereIn('id', ids).where({ requires_redemption: true }).select('id')) as {
    id: number;
  }[];
  return new Set(rows.map((r) => Number(r.id)));
}

/**
 * Once the money is in: each pending line's units move from reserved to sold, redeemable units (a
 * bundle's redeemable components included) get voucher codes, upgrades move their ticket, the offer a
 * line came from is converted with its revenue, and the 3% commission is metered; when the platform
 * already took it as the application fee of a destination charge (`applicationFeeTaken`), the bill
 * credits it back so it is not charged twice. Lines already paid are left alone, so settling twice is a no-op.
 */
export async function settleUpsellLines(
  tx: Tx,
  tenantId: string,
  order: { id: number; event_id: number; customer_id: number },
  set: LineSet,
  opts: { applicationFeeTaken?: boolean } = {},
): Promise<void> {
  const lines = (await whereSet(tx, set)
    .where({ status: 'pending' })
    .orderBy('product_id')
    .forUpdate()) as UpsellLineRow[];
  for (const line of lines) {
    const [product] = (await tx('upsell_products')
      .where({ id: line.product_id })
      .update({
        reserved: tx.raw('reserved - ?', [line.quantity]),
        sold: tx.raw('sold + ?', [line.quantity]),
        updated_at: tx.fn.now(),
      })
      .returning(['requires_redemption', 'upgrade_ticket_type_id', 'bundle_items'])) as {
      requires_redemption: boolean;
      upgrade_ticket_type_id: number | null;
      bundle_items: { product_id?: number; quantity: number }[];
    }[];
    await tx('upsell_order_lines').where({ id: line.id }).update({ status: 'paid', paid_at: tx.fn.now() });
    const admits = voucherProducts(
      line.quantity,
      { id: line.product_id, requires_redemption: product.requires_redemption, bundle_items: product.bundle_items },
      line.kind === 'bundle' ? await redeemableComponents(tx, product.bundle_items) : new Set<number>(),
    );
    const vouchers = admits.length
      ? ((await tx('upsell_vouchers')
          .insert(
            admits.map((productId) => ({
              tenant_id: tenantId,
              line_id: line.id,
              product_id: productId,
              event_id: order.event_id,
              code: generateTicketCode(),
            })),
          )
          .returning('id')) as { id: number }[])
      : [];
    if (line.kind === 'upgrade' && product.upgrade_ticket_type_id !== null)
      await moveTicket(tx, tenantId, line, Number(product.upgrade_ticket_type_id));
    const revenue = line.unit_price_minor * line.quantity;
    if (line.offer_id)
      await tx('upsell_conversions')
        .where({ offer_id: line.offer_id, product_id: line.product_id })
        .update({
          converted: true,
          converted_at: tx.fn.now(),
          order_id: order.id,
          customer_id: order.customer_id,
          revenue_minor: tx.raw('revenue_minor + ?', [revenue]),
        });
    if (revenue > 0) {
      const commission = lineCommissionMinor(line);
      const metadata = { line_id: line.id, order_id: order.id, product_id: line.product_id, revenue_minor: revenue };
      await recordUsage(tx, tenantId, {
        meter: 'upsells.commission',
        quantity: line.quantity,
        amountMinor: commission,
        idempotencyKey: `upsell-commission-${line.id}`,
        metadata,
      });
      if (opts.applicationFeeTaken)
        await recordUsage(tx, tenantId, {
          meter: 'upsells.commission_collected',
          quantity: line.quantity,
          amountMinor: commission,
          idempotencyKey: `upsell-commission-collected-${line.id}`,
          metadata: { ...metadata, payment_id: line.payment_id },
        });
    }
    await emit(tx, tenantId, {
      type: 'upsell.purchased',
      aggregateType: 'order',
      aggregateId: order.id,
      payload: {
        line_id: line.id,
        order_id: order.id,
        event_id: order.event_id,
        customer_id: order.customer_id,
        product_id: line.product_id,
        kind: line.kind,
        quantity: line.quantity,
        variant: line.variant,
        revenue_minor: revenue,
        currency: line.currency.trim(),
        offer_id: line.offer_id,
        voucher_ids: vouchers.map((v) => v.id),
      },
    });
  }
}

/**
 * Gives a set of lines' units back: pending ones from `reserved`, paid ones (a cancelled order) from
 * `sold`, their vouchers stop admitting, and an unpaid upgrade frees the target seat it held.
 */
export async function releaseUpsellLines(tx: Tx, set: LineSet): Promise<void> {
  const lines = (await whereSet(tx, set)
    .whereIn('status', ['pending', 'paid'])
    .orderBy('product_id')
    .forUpdate()) as UpsellLineRow[];
  for (const line of lines) {
    const counter = line.status === 'pending' ? 'reserved' : 'sold';
    const [product] = (await tx('upsell_products')
      .where({ id: line.product_id })
      .update({ [counter]: tx.raw('?? - ?', [counter, line.quantity]), updated_at: tx.fn.now() })
      .returning('upgrade_ticket_type_id')) as { upgrade_ticket_type_id: number | null }[];
    if (line.kind === 'upgrade' && line.status === 'pending' && product.upgrade_ticket_type_id !== null)
      await releaseInventory(tx, Number(product.upgrade_ticket_type_id), 1);
    await tx('upsell_vouchers').where({ line_id: line.id, status: 'valid' }).update({ status: 'cancelled' });
  }
  if (lines.length)
    await tx('upsell_order_lines')
      .whereIn(
        'id',
        lines.map((l) => l.id),
      )
      .update({ status: 'cancelled' });
}
