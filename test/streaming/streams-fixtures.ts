import type { ApiClient, Harness } from '../helpers/harness';
import { createOnSaleEvent, type TenantFixture } from '../helpers/fixtures';
import { newCustomer } from '../helpers/waitlist';
import { seedTickets } from '../helpers/checkin';

export interface StreamBody {
  id: number;
  event_id: number;
  status: string;
  provider: string;
  ingest: { url: string; stream_key: string } | null;
  embed_url: string | null;
}

export interface PlaybackBody {
  ticket_id: number;
  session_id: string;
  token: string;
  url: string;
  expires_at: string;
  replay_until: string | null;
}

export interface Holder {
  customerId: number;
  api: ApiClient;
  ticketId: number;
}

export interface StreamingEvent {
  eventId: number;
  /** In person only: gives no stream access. */
  inPersonTypeId: number;
  /** Virtual, 48 h replay (the default). */
  standardTypeId: number;
  /** Hybrid, 30 days of replay. */
  premiumTypeId: number;
}

/** An on-sale event with an in-person, a virtual (standard replay) and a hybrid (premium replay) ticket type. */
export async function streamingEvent(t: TenantFixture): Promise<StreamingEvent> {
  const f = await createOnSaleEvent(t, { inventory: 20, capacity: 100 });
  const type = async (body: Record<string, unknown>) => {
    const res = await t.api.post<{ id: number }>(`/api/events/${f.eventId}/ticket-types`, {
      price_minor: 2000,
      currency: 'EUR',
      inventory: 20,
      ...body,
    });
    if (res.status !== 201) throw new Error(`ticket type: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.id;
  };
  return {
    eventId: f.eventId,
    inPersonTypeId: f.ticketTypeId,
    standardTypeId: await type({ name: 'Virtual', attendance: 'virtual' }),
    premiumTypeId: await type({ name: 'Premium hybrid', attendance: 'both', replay_window_hours: 720 }),
  };
}

/** A customer with a customer token holding one valid ticket of `ticketTypeId` (a paid order, written directly). */
export async function holder(h: Harness, t: TenantFixture, eventId: number, ticketTypeId: number): Promise<Holder> {
  const c = await newCustomer(h, t, 'viewer');
  const [ticket] = await seedTickets(h.owner, t.tenantId, { eventId, ticketTypeId, customerId: c.id }, 1);
  return { customerId: c.id, api: c.api, ticketId: ticket.id };
}

export async function createStream(
  t: TenantFixture,
  eventId: number,
  extra: Record<string, unknown> = {},
): Promise<StreamBody> {
  const res = await t.api.post<StreamBody>('/api/streaming/streams', {
    event_id: eventId,
    name: 'Main stage',
    provider: 'native',
    scheduled_start_at: new Date(Date.now() + 3_600_000).toISOString(),
    ...extra,
  });
  if (res.status !== 201) throw new Error(`stream: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

export const playback = (api: ApiClient, streamId: number, sessionId?: string) =>
  api.post<PlaybackBody & { code?: string }>(
    `/api/streaming/streams/${streamId}/playback`,
    sessionId ? { session_id: sessionId } : {},
  );
