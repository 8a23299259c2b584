import { randomBytes } from 'node:crypto';
import type { Db, Tx } from '../connection';
import { brandingFromSettings, type PassSubject } from '../../domain/wallet/design';

export const WALLET_PLATFORMS = ['apple', 'google'] as const;
export type WalletPlatform = (typeof WALLET_PLATFORMS)[number];

export interface WalletPassRow {
  id: number;
  tenant_id: string;
  ticket_id: number;
  order_id: number;
  platform: WalletPlatform;
  pass_identifier: string;
  serial_number: string;
  auth_token: string;
  update_seq: number;
  last_updated_at: Date;
  voided_at: Date | null;
  created_at: Date;
}

function newPassRow(tenantId: string, ticket: { id: number; order_id: number }, platform: WalletPlatform) {
  // Apple's serial is unguessable on its own; Google's object id is derived from the ticket, so it is stable.
  const serial = platform === 'apple' ? randomBytes(15).toString('base64url') : `${tenantId}-ticket-${ticket.id}`;
  return {
    tenant_id: tenantId,
    ticket_id: ticket.id,
    order_id: ticket.order_id,
    platform,
    pass_identifier: `${platform}:${serial}`,
    serial_number: serial,
    auth_token: randomBytes(24).toString('base64url'),
  };
}

/** Creates the Apple and Google pass records of tickets that have none yet. */
export async function ensurePasses(
  tx: Tx,
  tenantId: string,
  tickets: { id: number; order_id: number }[],
): Promise<void> {
  if (!tickets.length) return;
  await tx('wallet_passes')
    .insert(tickets.flatMap((t) => WALLET_PLATFORMS.map((p) => newPassRow(tenantId, t, p))))
    .onConflict(['ticket_id', 'platform'])
    .ignore();
}

export async function getPassForTicket(
  tx: Tx,
  tenantId: string,
  ticket: { id: number; order_id: number },
  platform: WalletPlatform,
): Promise<WalletPassRow> {
  await ensurePasses(tx, tenantId, [ticket]);
  return tx<WalletPassRow>('wallet_passes').where({ ticket_id: ticket.id, platform }).first() as Promise<WalletPassRow>;
}

export async function getPass(tx: Tx, id: number): Promise<WalletPassRow | undefined> {
  return tx<WalletPassRow>('wallet_passes').where({ id }).first();
}

/** Finds a pass's tenant from its serial alone: Apple's devices and e-mailed links carry no tenant credentials. */
export async function findPassBySerial(
  db: Db,
  platform: WalletPlatform,
  serial: string,
): Promise<{ tenantId: string; passId: number } | undefined> {
  const { rows } = await db.raw<{ rows: { tenant_id: string; pass_id: number }[] }>(
    'select * from usher_wallet_pass(?, ?)',
    [platform, serial],
  );
  return rows[0] && { tenantId: rows[0].tenant_id, passId: Number(rows[0].pass_id) };
}

/** Everything a pass shows, read in one query. */
export async function loadPassSubject(tx: Tx, ticketId: number): Promise<PassSubject | undefined> {
  const row = await tx('tickets as t')
    .join('events as e', 'e.id', 't.event_id')
    .join('ticket_types as tt', 'tt.id', 't.ticket_type_id')
    .join('tenants as n', 'n.id', 't.tenant_id')
    .leftJoin('tenant_modules as m', (j) => j.on('m.tenant_id', 't.tenant_id').andOnVal('m.module', 'wallet'))
    .where('t.id', ticketId)
    .first(
      't.id',
      't.code',
      't.status',
      't.section',
      't.seat',
      't.holder_name',
      'tt.name as ticket_type_name',
      'n.name as tenant_name',
      'm.settings',
      'e.id as event_id',
      'e.name as event_name',
      'e.starts_at',
      'e.ends_at',
      'e.timezone',
      'e.status as event_status',
      'e.venue_name',
      'e.venue_address',
      'e.venue_latitude',
      'e.venue_longitude',
    );
  if (!row) return undefined;
  return {
    tenantName: row.tenant_name,
    branding: brandingFromSettings(row.settings ?? undefined),
    event: {
      id: row.event_id,
      name: row.event_name,
      startsAt: row.starts_at,
      endsAt: row.ends_at,
      timezone: row.timezone,
      status: row.event_status,
      venueName: row.venue_name,
      venueAddress: row.venue_address,
      latitude: row.venue_latitude,
      longitude: row.venue_longitude,
    },
    ticket: {
      id: row.id,
      code: row.code,
      status: row.status,
      section: row.section,
      seat: row.seat,
      holderName: row.holder_name,
      ticketTypeName: row.ticket_type_name,
    },
  };
}

/** The pass class an event's tickets share, read through any one of them; undefined while it has none. */
export async function loadEventPassSubject(tx: Tx, eventId: number): Promise<PassSubject | undefined> {
  const ticket = await tx('tickets').where({ event_id: eventId }).first('id');
  return ticket ? loadPassSubject(tx, ticket.id) : undefined;
}

/** The tickets (of those named) that exist, with the order each belongs to: what a pass record needs. */
export async function passTickets(tx: Tx, ticketIds: number[]): Promise<{ id: number; order_id: number }[]> {
  return tx('tickets').whereIn('id', ticketIds).select('id', 'order_id');
}

export async function passesOfTickets(tx: Tx, ticketIds: number[]): Promise<WalletPassRow[]> {
  return tx<WalletPassRow>('wallet_passes').whereIn('ticket_id', ticketIds).orderBy('ticket_id');
}

/** Who the "Add to Wallet" e-mail of an order goes to, and what it names. */
export async function orderForPassMail(
  tx: Tx,
  orderId: number,
): Promise<{ order_number: string; email: string; name: string; event_name: string } | undefined> {
  return tx('orders as o')
    .join('customers as c', 'c.id', 'o.customer_id')
    .join('events as e', 'e.id', 'o.event_id')
    .where('o.id', orderId)
    .first('o.order_number', 'c.email', 'c.name', 'e.name as event_name');
}
