import type { VoucherVerdictMessage } from '../../realtime/protocol';
import { createHarness, eventually, type Harness } from '../helpers/harness';
import { createOnSaleEvent, createTenantWithKey, type TenantFixture } from '../helpers/fixtures';
import { createGate, registerDevice, ScannerSocket, startTestRealtime } from '../helpers/checkin';
import { createProduct, orderWith } from './purchases-helpers';

let h: Harness;
let t: TenantFixture;
let rt: Awaited<ReturnType<typeof startTestRealtime>>;

beforeAll(async () => {
  h = await createHarness({ worker: true });
  t = await createTenantWithKey(h);
  rt = await startTestRealtime(h.db);
}, 120_000);
afterAll(async () => {
  await rt.stop();
  await h.stop();
});

/** Sends a voucher scan on the scanner socket and waits for its verdict. */
async function scanVoucher(
  sock: ScannerSocket,
  scan: { scan_id: string; code: string; gate_id?: number },
): Promise<VoucherVerdictMessage> {
  const seen = sock.messages.length;
  sock.send({ type: 'voucher_scan', scanned_at: new Date().toISOString(), ...scan });
  return eventually(
    async () =>
      sock.messages
        .slice(seen)
        .find((m): m is VoucherVerdictMessage => m.type === 'voucher_verdict' && m.scan_id === scan.scan_id),
    { what: `the verdict of ${scan.scan_id}`, timeoutMs: 20_000 },
  );
}

describe('add-on vouchers on the scanner socket', () => {
  it('admits a parking voucher once at a gate that accepts vouchers; a re-sent scan hears its first verdict', async () => {
    const f = await createOnSaleEvent(t);
    const parking = await createProduct(t, f, { inventory: 5, requires_redemption: true });
    const order = await orderWith(t, f, [{ product_id: parking.id, quantity: 1 }]);
    expect(order.status).toBe(201);
    const [voucher] = order.body.upsells[0].vouchers;
    const lot = await createGate(t, f.eventId, { name: 'Car park', accepts_vouchers: true });
    const main = await createGate(t, f.eventId, { name: 'Main entrance' });
    const device = await registerDevice(t, f.eventId, lot.id);
    const sock = await ScannerSocket.connect(`${rt.url}/api/checkin/scanner?token=${device.token}`);
    try {
      const refused = await scanVoucher(sock, { scan_id: 'v-main', code: voucher.code, gate_id: main.id });
      expect(refused).toMatchObject({ verdict: 'invalid', reason: 'gate_does_not_accept_vouchers' });

      const first = await scanVoucher(sock, { scan_id: 'v-1', code: voucher.code });
      expect(first).toMatchObject({
        verdict: 'success',
        gate_id: lot.id,
        replayed: false,
        voucher: { product_id: parking.id, product_name: 'Parking spot' },
      });
      // The scanner lost the answer and sends the same scan again: the same verdict, nothing admitted twice.
      expect(await scanVoucher(sock, { scan_id: 'v-1', code: voucher.code })).toMatchObject({
        verdict: 'success',
        replayed: true,
      });
      expect(await scanVoucher(sock, { scan_id: 'v-2', code: voucher.code })).toMatchObject({
        verdict: 'already_redeemed',
        replayed: false,
      });
      expect(await scanVoucher(sock, { scan_id: 'v-3', code: 'NOSUCHVOUCHER1' })).toMatchObject({
        verdict: 'invalid',
        reason: 'unknown_code',
        voucher: null,
      });

      // Tickets still go through the ticket path on the same socket; a voucher is not a ticket.
      const ticket = await sock.scan({ scan_id: 't-1', code: order.body.tickets[0].code, gate_id: main.id });
      expect(ticket.verdict).toBe('success');
      const asTicket = await sock.scan({ scan_id: 't-2', code: voucher.code, gate_id: main.id });
      expect(asTicket.verdict).toBe('invalid');

      const view = await t.api.get<{ upsells: { vouchers: { status: string }[] }[] }>(`/api/orders/${order.body.id}`);
      expect(view.body.upsells[0].vouchers).toEqual([expect.objectContaining({ status: 'redeemed' })]);
    } finally {
      await sock.close();
    }
  });

  it("refuses a voucher of another event, and a gate of another event than the device's", async () => {
    const f = await createOnSaleEvent(t);
    const g = await createOnSaleEvent(t);
    const drinks = await createProduct(t, f, { name: 'Drink voucher', requires_redemption: true });
    const order = await orderWith(t, f, [{ product_id: drinks.id, quantity: 2 }]);
    const [a, b] = order.body.upsells[0].vouchers;
    const barOfG = await createGate(t, g.eventId, { name: 'Bar', accepts_vouchers: true });
    const barOfF = await createGate(t, f.eventId, { name: 'Bar', accepts_vouchers: true });
    const device = await registerDevice(t, g.eventId, barOfG.id);
    const sock = await ScannerSocket.connect(`${rt.url}/api/checkin/scanner?token=${device.token}`);
    try {
      expect(await scanVoucher(sock, { scan_id: 'w-1', code: a.code })).toMatchObject({
        verdict: 'invalid',
        reason: 'wrong_event',
      });
      expect(await scanVoucher(sock, { scan_id: 'w-2', code: b.code, gate_id: barOfF.id })).toMatchObject({
        verdict: 'invalid',
        reason: 'wrong_event',
        voucher: null,
      });
    } finally {
      await sock.close();
    }
    const view = await t.api.get<{ upsells: { vouchers: { status: string }[] }[] }>(`/api/orders/${order.body.id}`);
    expect(view.body.upsells[0].vouchers.map((v) => v.status)).toEqual(['valid', 'valid']);
  });
});
