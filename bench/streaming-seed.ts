import type { Db } from '../db/connection';

export interface StreamingBenchSeed {
  eventId: number;
  streamId: number;
  customerIds: number[];
  ticketIds: number[];
}

/** A tenant with the streaming module, a live native stream and `holders` customers with a virtual ticket each. */
export async function seedStreamingBench(owner: Db, tenantId: string, holders: number): Promise<StreamingBenchSeed> {
  await owner('tenants').insert({ id: tenantId, name: 'Bench' });
  await owner('tenant_modules').insert({ tenant_id: tenantId, module: 'streaming' });
  const starts = new Date();
  const [event] = await owner('events')
    .insert({
      tenant_id: tenantId,
      name: 'Bench',
      venue_name: 'Online',
      timezone: 'UTC',
      starts_at: starts,
      ends_at: new Date(starts.getTime() + 3_600_000),
      capacity: holders,
      status: 'on_sale',
    })
    .returning('id');
  const [tt] = await owner('ticket_types')
    .insert({
      tenant_id: tenantId,
      event_id: event.id,
      name: 'Virtual',
      price_minor: 1000,
      currency: 'EUR',
      inventory: holders,
      attendance: 'virtual',
    })
    .returning('id');
  const [stream] = await owner('streams')
    .insert({
      tenant_id: tenantId,
      event_id: event.id,
      name: 'Main',
      provider: 'native',
      status: 'live',
      scheduled_start_at: starts,
    })
    .returning('id');
  const { rows: customers } = await owner.raw<{ rows: { id: number }[] }>(
    `insert into customers (tenant_id, email, name) select ?, 'v' || g || '@example.com', 'Viewer ' || g
       from generate_series(1, ?) g returning id`,
    [tenantId, holders],
  );
  const customerIds = customers.map((c) => Number(c.id));
  const [order] = await owner('orders')
    .insert({
      tenant_id: tenantId,
      event_id: event.id,
      customer_id: customerIds[0],
      order_number: 'B-1',
      status: 'paid',
      currency: 'EUR',
      total_minor: 0,
      payment_provider: 'offline',
    })
    .returning('id');
  const { rows: tickets } = await owner.raw<{ rows: { id: number }[] }>(
    `insert into tickets (tenant_id, event_id, order_id, ticket_type_id, customer_id, code)
     select ?, ?, ?, ?, c, 'B' || c from unnest(?::bigint[]) with ordinality u(c, n) order by n returning id`,
    [tenantId, event.id, order.id, tt.id, customerIds],
  );
  return {
    eventId: Number(event.id),
    streamId: Number(stream.id),
    customerIds,
    ticketIds: tickets.map((t) => Number(t.id)),
  };
}
