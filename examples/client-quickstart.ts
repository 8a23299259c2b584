/**
 * From an empty tenant to a ticket checked in at the door, through the generated TypeScript client
 * (clients/typescript): create an event and a ticket type, sell a ticket to a customer, wait until
 * the order is paid, set up a gate and a scanner device, and scan the ticket.
 *
 *   USHER_API_KEY=usk_... npx tsx examples/client-quickstart.ts [base URL]   # default http://127.0.0.1:3000
 *
 * The key needs the `admin` scope (or `write` plus `scanner`) and the check-in add-on enabled.
 * Scanners in the field scan over the realtime WebSocket (`scanner_url` of the device); this
 * example uses the same decision over HTTP, `POST /api/checkin/scan`.
 */
import { randomUUID } from 'node:crypto';
import { createUsherClient } from '../clients/typescript';

/** The data of an answer, or an error naming the step, the status and the problem's code. */
async function must<T>(step: string, call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  const { data, error, response } = await call;
  if (data === undefined) throw new Error(`${step}: ${response.status} ${JSON.stringify(error)}`);
  return data;
}

export interface QuickstartResult {
  eventId: number;
  orderId: number;
  ticketId: number;
  ticketCode: string;
  verdict: string;
}

export async function quickstart(
  baseUrl: string,
  apiKey: string,
  log: (line: string) => void = console.log,
): Promise<QuickstartResult> {
  const usher = createUsherClient(baseUrl, apiKey);

  const startsAt = new Date(Date.now() + 7 * 86_400_000);
  const event = await must(
    'create the event',
    usher.POST('/api/events', {
      body: {
        name: 'Quick start concert',
        venue: { name: 'The Hall', address: '1 Main Street' },
        timezone: 'Europe/Berlin',
        starts_at: startsAt.toISOString(),
        ends_at: new Date(startsAt.getTime() + 3 * 3_600_000).toISOString(),
        capacity: 500,
        status: 'on_sale',
      },
    }),
  );
  log(`event ${event.id}: ${event.name}, ${event.status}`);

  const ticketType = await must(
    'create the ticket type',
    usher.POST('/api/events/{id}/ticket-types', {
      params: { path: { id: event.id } },
      body: { name: 'General admission', price_minor: 4500, currency: 'EUR', inventory: 500 },
    }),
  );
  log(`ticket type ${ticketType.id}: ${ticketType.name}, ${ticketType.price_minor} ${ticketType.currency}`);

  // An Idempotency-Key makes a retried request (after a timeout, say) place the order only once.
  const placed = await must(
    'place the order',
    usher.POST('/api/orders', {
      params: { header: { 'idempotency-key': randomUUID() } },
      body: {
        event_id: event.id,
        customer: { email: 'ada@example.com', name: 'Ada Lovelace' },
        items: [{ ticket_type_id: ticketType.id, quantity: 1 }],
      },
    }),
  );
  log(`order ${placed.order_number} (${placed.id}): ${placed.status}`);

  // With the offline provider an order is paid at once; a card payment completes later.
  let order = placed;
  for (const deadline = Date.now() + 60_000; order.status === 'pending';) {
    if (Date.now() > deadline) throw new Error(`order ${order.id} is still pending`);
    await new Promise((resolve) => setTimeout(resolve, 500));
    order = await must('read the order', usher.GET('/api/orders/{id}', { params: { path: { id: order.id } } }));
  }
  if (order.status !== 'paid') throw new Error(`order ${order.id} ended ${order.status}`);
  const [ticket] = order.tickets;
  if (!ticket) throw new Error(`order ${order.id} is paid but holds no ticket`);
  log(`paid: ticket ${ticket.id}, code ${ticket.code}`);

  const gate = await must(
    'create the gate',
    usher.POST('/api/checkin/gates', { body: { event_id: event.id, name: 'Main entrance' } }),
  );
  const device = await must(
    'register the scanner',
    usher.POST('/api/checkin/devices/register', {
      body: { event_id: event.id, gate_id: gate.id, device_name: 'Door scanner 1', device_uuid: randomUUID() },
    }),
  );
  log(`gate ${gate.id} (${gate.name}), device ${device.id}; its socket: ${device.scanner_url.split('?')[0]}`);

  const scan = await must(
    'scan the ticket',
    usher.POST('/api/checkin/scan', {
      body: { scan_id: randomUUID(), code: ticket.code, gate_id: gate.id, device_id: device.id },
    }),
  );
  log(`scan at gate ${scan.gate_id}: ${scan.verdict}${scan.reason ? ` (${scan.reason})` : ''}`);

  return { eventId: event.id, orderId: order.id, ticketId: ticket.id, ticketCode: ticket.code, verdict: scan.verdict };
}

if (require.main === module) {
  const apiKey = process.env.USHER_API_KEY;
  const baseUrl = process.argv[2] ?? process.env.USHER_API_URL ?? 'http://127.0.0.1:3000';
  if (!apiKey) {
    console.error('Set USHER_API_KEY to a tenant API key: npm run usher -- key create --tenant <id> --scopes admin');
    process.exit(2);
  }
  quickstart(baseUrl, apiKey).catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
