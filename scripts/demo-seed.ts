import { assignStaff, insertGate } from '../db/checkin/gates';
import { meterExtraDevice, upsertDevice } from '../db/checkin/devices';
import { createDb, withTenant, type Tx } from '../db/connection';
import { upsertCustomer } from '../db/customers/customers';
import { findEventIdByExternalRef, insertEvent, listEvents, updateEvent, type EventRow } from '../db/events/events';
import { insertTicketType, listTicketTypes, type TicketTypeRow } from '../db/events/ticket-types';
import { fulfilOrder } from '../db/orders/fulfilment';
import { placeOrder } from '../db/orders/placement';
import { emit } from '../db/platform/outbox';
import { upsertModule } from '../db/platform/modules';
import { apiKeyByHash, createApiKey } from '../db/tenants/keys';
import { createTenant, getTenant } from '../db/tenants/tenants';
import { MODULES } from '../domain/platform/plans';
import { seedDemoHistory } from './demo-history';
import type { Config } from '../lib/config';
import { hashApiKey, isApiKey } from '../lib/credentials';

export const DEMO_TENANT_ID = 't_demo';

/**
 * The demo event's external_ref. An event seeded with it got its gates, devices, tickets and
 * outbox row in the same transaction; one without it was seeded by an earlier version.
 */
export const DEMO_EVENT_REF = 'usher-demo';

export interface DemoTenant {
  tenantId: string;
  apiKey: string;
  eventId: number;
}

interface DemoGate {
  name: string;
  location: string;
  capacityLimit: number | null;
  /** A VIP lane: admits only the VIP ticket type and raises a vip_arrival alert per admission. */
  vip: boolean;
  devices: string[];
  staff: [ref: string, name: string][];
}

/** Small enough VIP capacity that a demo rush crosses its 80/90/100 % alerts. */
const DEMO_GATES: readonly DemoGate[] = [
  {
    name: 'North',
    location: 'Main entrance, Möckernstraße',
    capacityLimit: 250,
    vip: false,
    devices: ['North 1', 'North 2'],
    staff: [
      ['staff-amara', 'Amara Okafor'],
      ['staff-jonas', 'Jonas Weber'],
    ],
  },
  {
    name: 'South',
    location: 'Park side, by the cloakroom',
    capacityLimit: 150,
    vip: false,
    devices: ['South 1'],
    staff: [['staff-lea', 'Lea Schmidt']],
  },
  {
    name: 'VIP',
    location: 'Artist entrance',
    capacityLimit: 30,
    vip: true,
    devices: ['VIP 1'],
    staff: [['staff-ines', 'Inês Costa']],
  },
];

/** device_uuid of a demo scanner: demo:traffic finds the devices by its `demo-` prefix. */
const demoDeviceUuid = (deviceName: string): string => `demo-${deviceName.toLowerCase().replace(/\s+/g, '-')}`;

const FIRST = ['Ada', 'Grace', 'Alan', 'Katherine', 'Edsger', 'Barbara', 'Dennis', 'Frances', 'Tim', 'Radia'];
const LAST = ['Nakamura', 'Okonkwo', 'Lindqvist', 'Moreau', 'Haddad', 'Kowalski', 'Silva', 'Novak', 'Fischer', 'Rossi'];
/** Group sizes of the general-admission orders, cycled: 90 orders, 315 tickets. */
const GROUP_SIZES = [2, 4, 1, 3, 6, 2, 5, 3, 4, 5];
const GENERAL_ORDERS = 90;
const VIP_ORDERS = 12;
const VIP_GROUP = 3;

/**
 * The demo tenant a newcomer plays with: an upcoming on-sale event with general and VIP tickets,
 * three gates (North, South and a VIP lane) with scanner devices and staff, and about 350 paid
 * tickets for `npm run demo:traffic` to rush through them. The operator's part (tenant, key) runs
 * as the owner, like `npm run usher`; the rest as the application role bound to the tenant, through
 * the db/ functions the API uses and with their catalogued outbox events, so the worker starts the
 * event's lifecycle timer like any other event's. Running it again changes nothing but a key that
 * no longer works; an event seeded by an earlier version is completed (gates, tickets, lifecycle).
 */
export async function seedDemo(
  config: Pick<Config, 'DATABASE_URL' | 'appDatabaseUrl'>,
  previous?: Partial<DemoTenant>,
  opts: { tenantId?: string } = {},
): Promise<DemoTenant> {
  const tenantId = opts.tenantId ?? DEMO_TENANT_ID;
  const owner = createDb(config.DATABASE_URL, 1);
  const app = createDb(config.appDatabaseUrl, 1);
  try {
    const apiKey = await owner.transaction(async (tx) => {
      const existing = await getTenant(tx, tenantId);
      if (!existing) await createTenant(tx, { id: tenantId, name: 'Demo Promotions' });
      return demoKey(tx, tenantId, existing ? previous?.apiKey : undefined);
    });
    // Row-level security binds every statement below to the demo tenant, as in the API.
    const eventId = await withTenant(app, tenantId, async (tx) => {
      // The demo shows every module, including ones added since its data was first seeded.
      for (const module of MODULES) await upsertModule(tx, tenantId, module, { enabled: true });
      return demoEvent(tx, tenantId);
    });
    // Past events with their orders, tracking and check-ins, so analytics and CRM show something at once.
    await seedDemoHistory(app, tenantId);
    return { tenantId, apiKey, eventId };
  } finally {
    await Promise.all([owner.destroy(), app.destroy()]);
  }
}

/** The key of the previous run while it still works, else a new one. */
async function demoKey(tx: Tx, tenantId: string, previousKey: string | undefined): Promise<string> {
  if (previousKey && isApiKey(previousKey) && (await apiKeyByHash(tx, hashApiKey(previousKey)))?.tenant_id === tenantId)
    return previousKey;
  const { key } = await createApiKey(tx, tenantId, previousKey ? 'demo (re-issued)' : 'demo', ['admin']);
  return key;
}

async function demoEvent(tx: Tx, tenantId: string): Promise<number> {
  const seeded = await findEventIdByExternalRef(tx, DEMO_EVENT_REF);
  if (seeded) return seeded;
  const [earlier] = await listEvents(tx, { limit: 1 });
  const event = earlier
    ? await updateEvent(tx, earlier.id, { external_ref: DEMO_EVENT_REF, allow_reentry: true })
    : await createEvent(tx, tenantId);
  // An earlier seed wrote its event without this row, so no lifecycle timer ever ran for it.
  await emit(tx, tenantId, {
    type: 'event.created',
    aggregateType: 'event',
    aggregateId: event.id,
    payload: { event_id: event.id },
  });
  const types = await listTicketTypes(tx, event.id);
  const vip = types.find((t) => t.name === 'VIP');
  const general = types.find((t) => t !== vip);
  await seedGates(tx, tenantId, event.id, vip);
  if (general) await sellTickets(tx, tenantId, event.id, general, GENERAL_ORDERS, (i) => GROUP_SIZES[i % 10], 0);
  if (vip) await sellTickets(tx, tenantId, event.id, vip, VIP_ORDERS, () => VIP_GROUP, GENERAL_ORDERS);
  return event.id;
}

async function createEvent(tx: Tx, tenantId: string): Promise<EventRow> {
  const startsAt = new Date(Date.now() + 30 * 86_400_000);
  startsAt.setUTCHours(18, 0, 0, 0);
  const event = await insertEvent(tx, tenantId, {
    external_ref: DEMO_EVENT_REF,
    name: 'Usher Demo Night',
    description: 'A sample concert to try every module against.',
    venue_name: 'Tempodrom',
    venue_address: 'Möckernstraße 10, 10963 Berlin',
    venue_latitude: 52.5011,
    venue_longitude: 13.3805,
    timezone: 'Europe/Berlin',
    starts_at: startsAt.toISOString(),
    ends_at: new Date(startsAt.getTime() + 4 * 3_600_000).toISOString(),
    capacity: 500,
    status: 'on_sale',
    // Lets demo:traffic send people out and back in once the fresh tickets are used up.
    allow_reentry: true,
  });
  const general = await insertTicketType(tx, tenantId, event.id, {
    name: 'General admission',
    price_minor: 4500,
    currency: 'EUR',
    inventory: 450,
  });
  const vip = await insertTicketType(tx, tenantId, event.id, {
    name: 'VIP',
    price_minor: 12000,
    currency: 'EUR',
    inventory: 50,
  });
  const people = [
    ['ada@example.com', 'Ada Lovelace'],
    ['grace@example.com', 'Grace Hopper'],
    ['alan@example.com', 'Alan Turing'],
  ];
  const customers = [];
  for (const [email, name] of people) customers.push((await upsertCustomer(tx, tenantId, { email, name })).row);
  const orders: [number, number, number][] = [
    [customers[0].id, general.id, 2],
    [customers[1].id, vip.id, 1],
  ];
  for (const [customerId, ticketTypeId, quantity] of orders) {
    const { order } = await placeOrder(tx, tenantId, {
      eventId: event.id,
      customerId,
      provider: 'external',
      lines: [{ ticketTypeId, quantity }],
    });
    await fulfilOrder(tx, tenantId, order.id, `demo-payment-${order.id}`);
  }
  return event;
}

async function seedGates(tx: Tx, tenantId: string, eventId: number, vip: TicketTypeRow | undefined): Promise<void> {
  for (const g of DEMO_GATES) {
    const gate = await insertGate(tx, tenantId, {
      event_id: eventId,
      name: g.name,
      location: g.location,
      capacity_limit: g.capacityLimit,
      is_vip: g.vip,
      ticket_type_ids: g.vip && vip ? [vip.id] : null,
    });
    for (const [staffRef, name] of g.staff)
      await assignStaff(tx, tenantId, { gate_id: gate.id, staff_ref: staffRef, name });
    for (const [i, deviceName] of g.devices.entries()) {
      // Its token is not kept: demo:traffic registers the device again through the API for a fresh one.
      const { device } = await upsertDevice(tx, tenantId, {
        event_id: eventId,
        device_name: deviceName,
        device_uuid: demoDeviceUuid(deviceName),
        gate_id: gate.id,
        staff_ref: g.staff[i % g.staff.length][0],
      });
      await meterExtraDevice(tx, tenantId, device);
    }
  }
}

/** Paid orders of `count` demo guests, as many as the ticket type still has room for. */
async function sellTickets(
  tx: Tx,
  tenantId: string,
  eventId: number,
  type: TicketTypeRow,
  count: number,
  size: (i: number) => number,
  firstGuest: number,
): Promise<void> {
  let left = type.inventory - type.sold;
  for (let i = 0; i < count; i++) {
    const quantity = Math.min(size(i), left);
    if (quantity <= 0) return;
    const n = firstGuest + i;
    const name = `${FIRST[n % 10]} ${LAST[Math.floor(n / 10) % 10]}`;
    const { row: customer } = await upsertCustomer(tx, tenantId, { email: `guest-${n + 1}@example.com`, name });
    const { order } = await placeOrder(tx, tenantId, {
      eventId,
      customerId: customer.id,
      provider: 'external',
      lines: [{ ticketTypeId: type.id, quantity }],
    });
    await fulfilOrder(tx, tenantId, order.id, `demo-payment-${order.id}`);
    left -= quantity;
  }
}
