import type { Tx } from '../connection';
import type { GateRow } from '../checkin/gates';
import { emit } from '../platform/outbox';

export type VoucherVerdict =
  | { verdict: 'success' | 'already_redeemed'; reason: null; voucher: RedeemedVoucher; replayed?: boolean }
  | {
      verdict: 'invalid';
      reason: 'unknown_code' | 'cancelled' | 'wrong_event' | 'gate_does_not_accept_vouchers' | 'gate_closed';
      voucher: RedeemedVoucher | null;
    };

export interface RedeemedVoucher {
  id: number;
  line_id: number;
  product_id: number;
  product_name: string;
  event_id: number;
  status: 'valid' | 'redeemed' | 'cancelled';
  redeemed_at: Date | null;
  redeemed_scan_id: string | null;
}

async function findVoucher(tx: Tx, code: string): Promise<RedeemedVoucher | undefined> {
  // A voucher names what it admits to: a bundle's parking code shows the parking, not the bundle.
  return tx('upsell_vouchers as v')
    .join('upsell_products as p', 'p.id', 'v.product_id')
    .where('v.code', code)
    .first(
      'v.id',
      'v.line_id',
      'v.product_id',
      'p.name as product_name',
      'v.event_id',
      'v.status',
      'v.redeemed_at',
      'v.redeemed_scan_id',
    );
}

/**
 * Admits a voucher once, at an open gate of its event that accepts vouchers. The admission is one
 * conditional update (`status = 'valid'`), so two gates scanning the same voucher at once admit it once.
 * A scanner's `scanId` is kept with the admission: the same scan sent again (a reconnect) hears success
 * again, marked `replayed`, while any other scan of the voucher is `already_redeemed`.
 */
export async function redeemVoucher(
  tx: Tx,
  tenantId: string,
  code: string,
  gate: GateRow,
  scanId?: string,
): Promise<VoucherVerdict> {
  const voucher = await findVoucher(tx, code);
  if (!voucher) return { verdict: 'invalid', reason: 'unknown_code', voucher: null };
  if (Number(voucher.event_id) !== Number(gate.event_id)) return { verdict: 'invalid', reason: 'wrong_event', voucher };
  if (!gate.accepts_vouchers) return { verdict: 'invalid', reason: 'gate_does_not_accept_vouchers', voucher };
  if (gate.status === 'closed') return { verdict: 'invalid', reason: 'gate_closed', voucher };
  if (voucher.status === 'cancelled') return { verdict: 'invalid', reason: 'cancelled', voucher };
  const [redeemed] = (await tx('upsell_vouchers')
    .where({ id: voucher.id, status: 'valid' })
    .update({ status: 'redeemed', redeemed_at: tx.fn.now(), redeemed_gate_id: gate.id, redeemed_scan_id: scanId })
    .returning(['status', 'redeemed_at', 'redeemed_scan_id'])) as Pick<
    RedeemedVoucher,
    'status' | 'redeemed_at' | 'redeemed_scan_id'
  >[];
  if (!redeemed) {
    const now = (await findVoucher(tx, code)) as RedeemedVoucher;
    if (now.status === 'cancelled') return { verdict: 'invalid', reason: 'cancelled', voucher: now };
    if (scanId && now.redeemed_scan_id === scanId)
      return { verdict: 'success', reason: null, voucher: now, replayed: true };
    return { verdict: 'already_redeemed', reason: null, voucher: now };
  }
  await emit(tx, tenantId, {
    type: 'upsell.voucher_redeemed',
    aggregateType: 'upsell_voucher',
    aggregateId: voucher.id,
    payload: {
      voucher_id: voucher.id,
      line_id: voucher.line_id,
      product_id: voucher.product_id,
      event_id: voucher.event_id,
      gate_id: gate.id,
      redeemed_at: (redeemed.redeemed_at as Date).toISOString(),
    },
  });
  return { verdict: 'success', reason: null, voucher: { ...voucher, ...redeemed } };
}
