import { withTenant, type Db } from '../db/connection';
import { getGate } from '../db/checkin/gates';
import { redeemVoucher, type VoucherVerdict } from '../db/upsells/vouchers';
import { isModuleEnabled } from '../db/platform/modules';
import type { ErrorMessage, VoucherScanMessage, VoucherVerdictMessage } from './protocol';

/**
 * An add-on voucher scanned on the scanner socket: admitted once, at a gate of the device's event that
 * accepts vouchers. Vouchers are few next to tickets, so each is decided in a transaction of its own
 * (not the ticket batcher's group commit); the verdict is answered once that transaction committed.
 */
export async function decideVoucherScan(
  db: Db,
  scanner: { tenantId: string; eventId: number },
  msg: VoucherScanMessage,
  gateId: number,
): Promise<VoucherVerdictMessage> {
  const v: VoucherVerdict = await withTenant(db, scanner.tenantId, async (tx) => {
    const gate = await getGate(tx, gateId);
    if (!gate || Number(gate.event_id) !== scanner.eventId)
      return { verdict: 'invalid', reason: 'wrong_event', voucher: null };
    if (!(await isModuleEnabled(tx, 'upsells', scanner.eventId)))
      return { verdict: 'invalid', reason: 'gate_does_not_accept_vouchers', voucher: null };
    return redeemVoucher(tx, scanner.tenantId, msg.code, gate, msg.scan_id);
  });
  return {
    type: 'voucher_verdict',
    scan_id: msg.scan_id,
    gate_id: gateId,
    verdict: v.verdict,
    reason: v.reason,
    voucher: v.voucher && {
      product_id: Number(v.voucher.product_id),
      product_name: v.voucher.product_name,
      redeemed_at: v.voucher.redeemed_at ? new Date(v.voucher.redeemed_at).toISOString() : null,
    },
    replayed: 'replayed' in v && v.replayed === true,
  };
}

/**
 * The scanner socket's part: decides the scan counted in the connection's `pending` scans, and sends its
 * verdict, or `overloaded` (retry with the same scan id) when it could not be recorded.
 */
export function answerVoucherScan(
  db: Db,
  scanner: { tenantId: string; device: { event_id: number }; pending: number },
  msg: VoucherScanMessage,
  gateId: number,
  send: (m: VoucherVerdictMessage | ErrorMessage) => void,
): void {
  decideVoucherScan(db, { tenantId: scanner.tenantId, eventId: scanner.device.event_id }, msg, gateId)
    .then(send, () =>
      send({
        type: 'error',
        code: 'overloaded',
        message: 'The voucher scan was not recorded; retry with the same scan_id',
        scan_id: msg.scan_id,
      }),
    )
    .finally(() => {
      scanner.pending--;
    });
}
