import type { Tx } from '../connection';
import { conflict } from '../../lib/errors';
import { normaliseSeatPart, seatScopeKey } from '../../domain/season/seats';

export interface SeasonSeatRow {
  id: number;
  tenant_id: string;
  subscription_id: number;
  package_id: number;
  scope_key: string;
  section: string;
  row: string;
  seat: string;
  created_at: Date;
  updated_at: Date;
}

export interface SeatInput {
  section: string;
  row: string;
  seat: string;
}

/** The subscription with what its seat scope needs, locked so two seat changes of it queue. */
export async function seatOwner(
  tx: Tx,
  subscriptionId: number,
): Promise<
  | {
      id: number;
      customer_id: number;
      package_id: number;
      status: string;
      type: string;
      series_tag: string | null;
      category: string | null;
      season_starts_at: Date;
      season_ends_at: Date;
    }
  | undefined
> {
  return tx('season_subscriptions as s')
    .join('season_packages as p', 'p.id', 's.package_id')
    .where('s.id', subscriptionId)
    .forNoKeyUpdate('s')
    .first(
      's.id',
      's.customer_id',
      's.package_id',
      's.status',
      'p.type',
      'p.series_tag',
      'p.category',
      'p.season_starts_at',
      'p.season_ends_at',
    );
}

export async function getSeat(tx: Tx, subscriptionId: number): Promise<SeasonSeatRow | undefined> {
  return tx<SeasonSeatRow>('season_seats').where({ subscription_id: subscriptionId }).first();
}

const isUniqueViolation = (err: unknown): boolean => (err as { code?: string }).code === '23505';

/**
 * Gives a subscription its season seat (or moves it), unique within the package's scope: a seat
 * another subscription holds answers 409 `seat_taken`. Allocations not yet claimed follow the seat.
 * `owner` comes from `seatOwner`, whose row lock makes concurrent assignments of one subscription queue.
 */
export async function assignSeat(
  tx: Tx,
  tenantId: string,
  owner: NonNullable<Awaited<ReturnType<typeof seatOwner>>>,
  input: SeatInput,
): Promise<SeasonSeatRow> {
  const seat = {
    section: input.section.trim(),
    row: normaliseSeatPart(input.row),
    seat: normaliseSeatPart(input.seat),
  };
  const scopeKey = seatScopeKey(owner);
  // The caller holds the subscription's row: the same seat again is answered as it stands, unchanged.
  const current = await getSeat(tx, owner.id);
  if (
    current &&
    current.scope_key === scopeKey &&
    current.section === seat.section &&
    current.row === seat.row &&
    current.seat === seat.seat
  )
    return current;
  let saved: SeasonSeatRow;
  try {
    // A savepoint, so a taken seat leaves the request's transaction usable for its 409.
    saved = await tx.transaction(async (sp) => {
      const [row] = (await sp('season_seats')
        .insert({
          tenant_id: tenantId,
          subscription_id: owner.id,
          package_id: owner.package_id,
          scope_key: scopeKey,
          ...seat,
        })
        .onConflict('subscription_id')
        .merge({ scope_key: scopeKey, package_id: owner.package_id, ...seat, updated_at: sp.fn.now() })
        .returning('*')) as SeasonSeatRow[];
      return row;
    });
  } catch (err) {
    if (isUniqueViolation(err))
      throw conflict('seat_taken', `Seat ${seat.row}-${seat.seat} in ${seat.section} is held by another subscription`);
    throw err;
  }
  await tx('season_ticket_allocations')
    .where({ subscription_id: owner.id, status: 'allocated', kind: 'seat' })
    .update({ section: saved.section, row: saved.row, seat: saved.seat, updated_at: tx.fn.now() });
  return saved;
}
