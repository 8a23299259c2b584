import type { z } from 'zod';
import type { Tx } from '../../db/connection';
import { listUpsellPayments } from '../../db/upsells/payments';
import { listOrderUpsellLines, listVouchersOfLines } from '../../db/upsells/purchases';
import { isoOrNull } from '../schemas/common';
import type { OrderUpsellLine, UpsellPayment } from './purchases-schemas';

/** An order's add-ons, bundles and upgrades with their voucher codes, and the payments made for them later. */
export async function loadOrderUpsells(
  tx: Tx,
  orderId: number,
): Promise<{ upsells: z.infer<typeof OrderUpsellLine>[]; upsell_payments: z.infer<typeof UpsellPayment>[] }> {
  const lines = await listOrderUpsellLines(tx, orderId);
  const vouchers = await listVouchersOfLines(
    tx,
    lines.map((l) => l.id),
  );
  const payments = await listUpsellPayments(tx, orderId);
  return {
    upsells: lines.map((l) => ({
      id: l.id,
      product_id: l.product_id,
      kind: l.kind,
      quantity: l.quantity,
      variant: l.variant,
      unit_price_minor: l.unit_price_minor,
      status: l.status,
      refund_minor: l.refund_minor,
      ticket_id: l.ticket_id,
      payment_id: l.payment_id,
      vouchers: vouchers
        .filter((v) => v.line_id === l.id)
        .map((v) => ({ code: v.code, status: v.status, product_id: v.product_id })),
    })),
    upsell_payments: payments.map((p) => ({
      id: p.id,
      amount_minor: p.amount_minor,
      currency: p.currency.trim(),
      status: p.status,
      provider: p.provider,
      reference: p.reference,
      client_secret: p.status === 'pending' ? p.client_secret : null,
      created_at: p.created_at.toISOString(),
      paid_at: isoOrNull(p.paid_at),
    })),
  };
}
