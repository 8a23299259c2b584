import { randomUUID } from 'node:crypto';
import { createHarness, eventually, type Harness } from '../helpers/harness';
import { createOnSaleEvent, createTenantWithKey, type TenantFixture } from '../helpers/fixtures';
import { createProduct, customerClient, orderWith, type OrderView } from './purchases-helpers';

let h: Harness;
let t: TenantFixture;

beforeAll(async () => {
  h = await createHarness({ worker: true });
  t = await createTenantWithKey(h);
}, 120_000);
afterAll(() => h.stop());

const scan = async (gateId: number, code: string) =>
  (await t.api.post<{ verdict: string }>('/api/checkin/scan', { scan_id: randomUUID(), code, gate_id: gateId })).body
    .verdict;

describe('ticket upgrades', () => {
  it('moves the ticket to VIP for the difference: the old code scans invalid, the new one succeeds, the pass is updated', async () => {
    const f = await createOnSaleEvent(t, { price: 4500, inventory: 50 });
    const vip = await t.api.post<{ id: number }>(`/api/events/${f.eventId}/ticket-types`, {
      name: 'VIP',
      price_minor: 9000,
      currency: 'EUR',
      inventory: 10,
    });
    expect(vip.status).toBe(201);
    const upgrade = await createProduct(t, f, {
      name: 'VIP upgrade',
      type: 'upgrade',
      price_minor: 0,
      upgrade_ticket_type_id: vip.body.id,
    });
    const order = await orderWith(t, f, []);
    expect(order.status).toBe(201);
    const [ticket] = order.body.tickets;
    const passSeq = async (): Promise<number | undefined> => {
      const row = (await h.owner('wallet_passes').where({ ticket_id: ticket.id }).first('update_seq')) as
        { update_seq: string } | undefined;
      return row && Number(row.update_seq);
    };
    const before = await eventually(passSeq, { what: 'wallet pass' });

    // A customer token acts for the ticket's holder.
    const me = await customerClient(h, t, f.customerId);
    const res = await me.post<OrderView>(`/api/upsells/tickets/${ticket.id}/upgrade`, { product_id: upgrade.id });
    expect(res.status).toBe(201);
    expect(res.body.upsell_payments).toEqual([expect.objectContaining({ amount_minor: 4500, status: 'paid' })]);
    const moved = res.body.tickets.find((x) => x.id === ticket.id) as OrderView['tickets'][number];
    expect(moved.ticket_type_id).toBe(vip.body.id);
    expect(moved.code).not.toBe(ticket.code);
    expect(res.body.upsells).toEqual([expect.objectContaining({ kind: 'upgrade', status: 'paid' })]);

    const gate = await t.api.post<{ id: number }>('/api/checkin/gates', { event_id: f.eventId, name: 'Main' });
    expect(await scan(gate.body.id, ticket.code)).toBe('invalid');
    expect(await scan(gate.body.id, moved.code)).toBe('success');

    // The seat moved: one VIP sold, the general admission seat is free again.
    const types = await h.owner('ticket_types').whereIn('id', [f.ticketTypeId, vip.body.id]).orderBy('id');
    expect(types.map((x: { sold: number }) => x.sold)).toEqual([0, 1]);
    await eventually(async () => ((await passSeq()) ?? 0) > before, { what: 'the wallet pass update' });

    // The same upgrade again is refused: the ticket has that type already.
    const again = await t.api.post(`/api/upsells/tickets/${ticket.id}/upgrade`, { product_id: upgrade.id });
    expect({ status: again.status, code: again.body.code }).toEqual({ status: 409, code: 'already_upgraded' });
  });

  it('refuses an add-on product as an upgrade, and answers 404 for a ticket of another tenant', async () => {
    const f = await createOnSaleEvent(t);
    const addon = await createProduct(t, f);
    const order = await orderWith(t, f, []);
    const [ticket] = order.body.tickets;
    const res = await t.api.post(`/api/upsells/tickets/${ticket.id}/upgrade`, { product_id: addon.id });
    expect({ status: res.status, code: res.body.code }).toEqual({ status: 422, code: 'not_an_upgrade' });
    const other = await createTenantWithKey(h, 'Other');
    const foreign = await other.api.post(`/api/upsells/tickets/${ticket.id}/upgrade`, { product_id: addon.id });
    expect(foreign.status).toBe(404);
  });
});
