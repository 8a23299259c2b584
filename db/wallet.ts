import { randomBytes } from 'node:crypto';
import type { Db, Tx } from './connection';
import { brandingFromSettings, type PassSubject } from '../domain/wallet/design';
import type { IdRange, PassScope } from '../domain/wallet/scope';

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

export interface PushRegistration {
  id: number;
  push_token: string;
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

/** Serials of a device's passes changed after `since` (an update sequence), across tenants. */
export async function deviceUpdates(
  db: Db,
  device: string,
  since: number,
): Promise<{ serial_number: string; update_seq: number }[]> {
  const { rows } = await db.raw<{ rows: { serial_number: string; update_seq: number }[] }>(
    'select * from usher_wallet_device_updates(?, ?)',
    [device, since],
  );
  return rows.map((r) => ({ serial_number: r.serial_number, update_seq: Number(r.update_seq) }));
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

function scoped(tx: Tx, scope: PassScope) {
  const tickets = tx('tickets').select('id').where({ event_id: scope.eventId });
  if (scope.ticketIds) tickets.whereIn('id', scope.ticketIds);
  return tickets;
}

/**
 * Marks passes changed: a new update sequence and a Last-Modified a whole second later than before
 * (HTTP dates have one-second precision), and voids those whose ticket or event no longer stands.
 * Returns how many passes changed.
 */
export async function touchPasses(tx: Tx, scope: PassScope): Promise<number> {
  const rows = await tx('wallet_passes as p')
    .whereIn('p.ticket_id', scoped(tx, scope))
    .update({
      update_seq: tx.raw("nextval('wallet_pass_update_seq')"),
      last_updated_at: tx.raw("greatest(date_trunc('second', now()), p.last_updated_at + interval '1 second')"),
      voided_at: tx.raw(`case when p.voided_at is not null then p.voided_at
        when exists (select 1 from tickets t join events e on e.id = t.event_id
          where t.id = p.ticket_id and (t.status <> 'valid' or e.status = 'cancelled')) then now() end`),
    })
    .returning('p.id');
  return rows.length;
}

/** Registers a device for a pass's updates; true when the registration is new (Apple's 201). */
export async function registerDevice(
  tx: Tx,
  tenantId: string,
  passId: number,
  device: string,
  pushToken: string,
): Promise<boolean> {
  const [row] = (await tx('wallet_push_registrations')
    .insert({ tenant_id: tenantId, pass_id: passId, device_library_id: device, push_token: pushToken })
    .onConflict(['pass_id', 'device_library_id'])
    .merge({ push_token: pushToken, updated_at: tx.fn.now() })
    .returning(tx.raw('(xmax = 0) as created'))) as { created: boolean }[];
  return row.created;
}

export async function unregisterDevice(tx: Tx, passId: number, device: string): Promise<boolean> {
  return (await tx('wallet_push_registrations').where({ pass_id: passId, device_library_id: device }).delete()) > 0;
}

const scopedRegistrations = (tx: Tx, scope: PassScope) =>
  tx('wallet_push_registrations as r')
    .join('wallet_passes as p', 'p.id', 'r.pass_id')
    .where('p.platform', 'apple')
    .whereIn('p.ticket_id', scoped(tx, scope));

const scopedGooglePasses = (tx: Tx, scope: PassScope) =>
  tx('wallet_passes as p').where('p.platform', 'google').whereIn('p.ticket_id', scoped(tx, scope));

/** Splits ids into ranges of at most `size`, so each batch is one activity whatever the total. */
async function idRanges(tx: Tx, rows: ReturnType<Tx['select']>, column: string, size: number): Promise<IdRange[]> {
  const bounds = (await tx
    .with('ranked', rows.select(`${column} as id`, tx.raw('row_number() over (order by ??) as n', [column])))
    .from('ranked')
    .select(tx.raw('min(id)::bigint as first'), tx.raw('max(id)::bigint as last'))
    .groupByRaw('(n - 1) / ?', [size])
    .orderBy('first')) as { first: number; last: number }[];
  return bounds.map((b) => ({ afterId: Number(b.first) - 1, untilId: Number(b.last) }));
}

export const pushBatches = (tx: Tx, scope: PassScope, size: number): Promise<IdRange[]> =>
  idRanges(tx, scopedRegistrations(tx, scope), 'r.id', size);

export const googlePassBatches = (tx: Tx, scope: PassScope, size: number): Promise<IdRange[]> =>
  idRanges(tx, scopedGooglePasses(tx, scope), 'p.id', size);

export async function googlePassesInRange(tx: Tx, scope: PassScope, range: IdRange): Promise<WalletPassRow[]> {
  return scopedGooglePasses(tx, scope)
    .where('p.id', '>', range.afterId)
    .andWhere('p.id', '<=', range.untilId)
    .select('p.*')
    .orderBy('p.id');
}

/** The registrations in a range, or exactly the ones named (a retry of those APNs could not take). */
export async function registrationsFor(
  tx: Tx,
  scope: PassScope,
  which: IdRange | { ids: number[] },
): Promise<PushRegistration[]> {
  const q = scopedRegistrations(tx, scope).select('r.id', 'r.push_token').orderBy('r.id');
  if ('ids' in which) return q.whereIn('r.id', which.ids);
  return q.where('r.id', '>', which.afterId).andWhere('r.id', '<=', which.untilId);
}

/** Drops registrations APNs said are gone (410 Unregistered, bad token). */
export async function removeRegistrations(tx: Tx, ids: number[]): Promise<void> {
  if (ids.length) await tx('wallet_push_registrations').whereIn('id', ids).delete();
}
