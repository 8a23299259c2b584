import type { Db, Tx } from '../connection';
import type { IdRange, PassScope } from '../../domain/wallet/scope';
import type { WalletPassRow } from './passes';

export interface PushRegistration {
  id: number;
  push_token: string;
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

function scoped(tx: Tx, scope: PassScope) {
  const tickets = tx('tickets').select('id').where({ event_id: scope.eventId });
  if (scope.ticketIds) tickets.whereIn('id', scope.ticketIds);
  return tickets;
}

/**
 * Marks passes changed: a new update sequence and a Last-Modified a whole second later than before
 * (HTTP dates have one-second precision), and voids those whose ticket or event no longer stands.
 */
export async function touchPasses(tx: Tx, scope: PassScope): Promise<void> {
  await tx('wallet_passes as p')
    .whereIn('p.ticket_id', scoped(tx, scope))
    .update({
      update_seq: tx.raw("nextval('wallet_pass_update_seq')"),
      last_updated_at: tx.raw("greatest(date_trunc('second', now()), p.last_updated_at + interval '1 second')"),
      voided_at: tx.raw(`case when p.voided_at is not null then p.voided_at
        when exists (select 1 from tickets t join events e on e.id = t.event_id
          where t.id = p.ticket_id and (t.status <> 'valid' or e.status = 'cancelled')) then now() end`),
    });
}

/** Whether any pass (voided or not) belongs to the scope: a change there has holders to tell. */
export async function hasPasses(tx: Tx, scope: PassScope): Promise<boolean> {
  return Boolean(await tx('wallet_passes as p').whereIn('p.ticket_id', scoped(tx, scope)).first('p.id'));
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
