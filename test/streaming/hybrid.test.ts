import { createHarness, eventually, type ApiClient, type Harness } from '../helpers/harness';
import { createTenantWithKey, type TenantFixture } from '../helpers/fixtures';
import { createGate, registerDevice, ScannerSocket, startTestRealtime } from '../helpers/checkin';
import { PROPOSAL_POLICY } from '../helpers/refunds';
import { newCustomer } from '../helpers/waitlist';
import { createStream, playback, streamingEvent } from './streams-fixtures';

jest.setTimeout(120_000);

let h: Harness;
let rt: Awaited<ReturnType<typeof startTestRealtime>>;
beforeAll(async () => {
  h = await createHarness({ worker: true });
  rt = await startTestRealtime(h.db);
});
afterAll(async () => {
  await rt?.stop();
  await h?.stop();
});

interface Exchange {
  status: string;
  tickets: { ticket_id: number; new_ticket_id: number | null }[];
}

/** The holder's switch: the refunds module's exchange of the ticket to the hybrid event's other ticket type. */
async function switchTicket(api: ApiClient, orderId: number, ticketId: number, toTypeId: number): Promise<number> {
  const res = await api.post<Exchange>('/api/refund-requests', {
    order_id: orderId,
    ticket_ids: [ticketId],
    type: 'exchange',
    exchange_to: { ticket_type_id: toTypeId },
  });
  expect([res.status, res.body.status]).toEqual([201, 'approved']);
  return res.body.tickets[0].new_ticket_id as number;
}

const callback = (token: string, streamKey: string) =>
  fetch(`${h.baseUrl}/api/streaming/native/callback`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ action: 'prePlay', app: 'live', name: streamKey, query: { token } }),
  });

describe('hybrid events: switching between in-person and virtual through the exchange path', () => {
  let t: TenantFixture;
  beforeAll(async () => {
    t = await createTenantWithKey(h, 'Hybrid organiser', ['admin'], ['streaming', 'refunds', 'checkin']);
  });

  it('moves a holder to virtual (the old gate code stops scanning) and back (playback is refused)', async () => {
    const ev = await streamingEvent(t);
    // Same price both ways, so neither switch needs credit or gives money back.
    const venue = await t.api.post<{ id: number }>(`/api/events/${ev.eventId}/ticket-types`, {
      name: 'Venue',
      price_minor: 2000,
      currency: 'EUR',
      inventory: 20,
    });
    // The tenant allows exchanges up to a day before (the proposal's policy); the event is a week out.
    expect((await t.api.put(`/api/events/${ev.eventId}/refund-policy`, { rules: PROPOSAL_POLICY })).status).toBe(200);
    const stream = await createStream(t, ev.eventId);
    const streamKey = stream.ingest?.stream_key as string;
    const fan = await newCustomer(h, t, 'hybrid');
    const order = await t.api.post<{ id: number }>('/api/orders', {
      event_id: ev.eventId,
      customer_id: fan.id,
      items: [{ ticket_type_id: venue.body.id, quantity: 1 }],
    });
    expect(order.status).toBe(201);
    const inPerson: { id: number; code: string } = await h
      .owner('tickets')
      .where({ order_id: order.body.id })
      .first('id', 'code');
    expect((await playback(fan.api, stream.id)).body.code).toBe('no_stream_access');

    // To virtual: the stream opens, the venue code is void.
    const virtualId = await switchTicket(fan.api, order.body.id, inPerson.id, ev.standardTypeId);
    const pb = await playback(fan.api, stream.id);
    expect([pb.status, pb.body.ticket_id]).toEqual([200, virtualId]);
    expect((await callback(pb.body.token, streamKey)).status).toBe(200);
    const gate = await createGate(t, ev.eventId);
    const device = await registerDevice(t, ev.eventId, gate.id);
    const scanner = await ScannerSocket.connect(`${rt.url}/api/checkin/scanner?token=${device.token}`);
    try {
      const verdict = await scanner.scan({ scan_id: `hybrid-${inPerson.id}`, code: inPerson.code });
      expect(verdict.verdict).not.toBe('success');
    } finally {
      await scanner.close();
    }

    // And back in person: no new playback token, and the media server stops admitting the old one.
    const virtualOrder = (await t.api.get<{ order_id: number }>(`/api/tickets/${virtualId}`)).body.order_id;
    await switchTicket(fan.api, virtualOrder, virtualId, venue.body.id);
    const refused = await playback(fan.api, stream.id, pb.body.session_id);
    expect([refused.status, refused.body.code]).toEqual([403, 'no_stream_access']);
    await eventually(async () => (await callback(pb.body.token, streamKey)).status === 403, {
      timeoutMs: 20_000,
      intervalMs: 500,
      what: "the media server's read callback to refuse the switched ticket's token",
    });
  });
});
