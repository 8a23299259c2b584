import { DAY, demoTicketTypes, type DemoApi, type Page } from './api';

export const LIVESTREAM_PASS = 'Livestream pass';
export const MAIN_STAGE = 'Main stage (live)';
const BACKSTAGE = 'Backstage interviews';
const PASS_INVENTORY = 200;

interface Stream {
  id: number;
  name: string;
}
interface EventView {
  capacity: number;
  starts_at: string;
  ends_at: string;
}

/**
 * Streaming for the demo event: a virtual "Livestream pass" (bought by Ada), VIP made hybrid (Grace's
 * ticket opens the streams too), a native main-stage stream with its ingest key and an embedded backstage
 * stream scheduled with the show, and a chat history with the moderator's pinned welcome. Returns the main
 * stage and the viewer who holds a pass, for the viewer page. Each step is skipped once done.
 */
export async function seedDemoStreaming(
  api: DemoApi,
  eventId: number,
): Promise<{ streamId: number; viewerId: number } | undefined> {
  const event = await api.get<EventView>(`/api/events/${eventId}`);
  const types = await demoTicketTypes(api, eventId);
  if (types.vip && types.vip.attendance === 'in_person')
    await api.patch(`/api/ticket-types/${types.vip.id}`, { attendance: 'both' });
  let pass = types.all.find((t) => t.name === LIVESTREAM_PASS);
  if (!pass) {
    // Inventory counts against the event's capacity, virtual seats too: make room for the passes.
    const allocated = types.all.reduce((n, t) => n + t.inventory, 0);
    if (allocated + PASS_INVENTORY > event.capacity)
      await api.patch(`/api/events/${eventId}`, { capacity: allocated + PASS_INVENTORY });
    pass = await api.post<(typeof types.all)[number]>(`/api/events/${eventId}/ticket-types`, {
      name: LIVESTREAM_PASS,
      price_minor: 1500,
      currency: 'EUR',
      inventory: PASS_INVENTORY,
      attendance: 'virtual',
      replay_window_hours: 72,
    });
  }

  const ada = await api.customer('ada@example.com', 'Ada Lovelace');
  const grace = await api.customer('grace@example.com', 'Grace Hopper');
  const adaOrders = await api.get<Page<{ items: { ticket_type_id: number }[] }>>(
    `/api/orders?event_id=${eventId}&customer_id=${ada}&status=paid&limit=50`,
  );
  if (!adaOrders.items.some((o) => o.items.some((i) => i.ticket_type_id === pass.id)))
    await api.post('/api/orders', {
      event_id: eventId,
      customer_id: ada,
      items: [{ ticket_type_id: pass.id, quantity: 1 }],
      payment: { provider: 'external', reference: `demo-livestream-${eventId}-${ada}` },
    });
  // Grace watches on her VIP ticket when she has one; else on a pass of her own.
  const graceOrders = await api.get<Page<{ items: { ticket_type_id: number }[] }>>(
    `/api/orders?event_id=${eventId}&customer_id=${grace}&status=paid&limit=50`,
  );
  const watching = new Set([pass.id, ...(types.vip ? [types.vip.id] : [])]);
  if (!graceOrders.items.some((o) => o.items.some((i) => watching.has(i.ticket_type_id))))
    await api.post('/api/orders', {
      event_id: eventId,
      customer_id: grace,
      items: [{ ticket_type_id: pass.id, quantity: 1 }],
      payment: { provider: 'external', reference: `demo-livestream-${eventId}-${grace}` },
    });

  const streams = (await api.get<Page<Stream>>(`/api/streaming/streams?event_id=${eventId}&limit=100`)).items;
  const main =
    streams.find((s) => s.name === MAIN_STAGE) ??
    (await api.post<Stream>('/api/streaming/streams', {
      event_id: eventId,
      name: MAIN_STAGE,
      provider: 'native',
      scheduled_start_at: event.starts_at,
      scheduled_end_at: event.ends_at,
    }));
  if (!streams.some((s) => s.name === BACKSTAGE))
    await api.post('/api/streaming/streams', {
      event_id: eventId,
      name: BACKSTAGE,
      provider: 'embed',
      scheduled_start_at: new Date(Date.parse(event.starts_at) + DAY / 24).toISOString(),
      scheduled_end_at: event.ends_at,
      embed_url: 'https://player.example.com/embed/usher-demo-backstage',
    });

  await chatHistory(api, main.id, ada, grace);
  return { streamId: main.id, viewerId: ada };
}

/** The moderator's welcome, pinned, and the first viewers' messages (a reply among them), once. */
async function chatHistory(api: DemoApi, streamId: number, ada: number, grace: number): Promise<void> {
  const base = `/api/streaming/streams/${streamId}/chat`;
  if ((await api.get<Page<unknown>>(`${base}/messages?limit=1`)).items.length) return;
  const welcome = await api.post<{ id: number }>(`${base}/messages`, {
    body: 'Welcome to Usher Demo Night! The show starts at 20:00; be kind in the chat.',
  });
  await api.patch(base, { pinned_message_id: welcome.id });
  const asAda = api.as(await api.customerToken(ada));
  const asGrace = api.as(await api.customerToken(grace));
  const hello = await asAda.post<{ id: number }>(`${base}/messages`, { body: 'Watching from Lisbon, hello everyone!' });
  await asGrace.post(`${base}/messages`, { body: 'Hi Ada! VIP lounge says hi.', reply_to_id: hello.id });
  await asAda.post(`${base}/messages`, { body: 'Can not wait for the encore.' });
}
