import type { Tx } from '../connection';
import type { EventStatus } from '../../domain/events/lifecycle';

export interface EventRow {
  id: number;
  tenant_id: string;
  external_ref: string | null;
  name: string;
  description: string | null;
  venue_name: string;
  venue_address: string | null;
  venue_latitude: number | null;
  venue_longitude: number | null;
  timezone: string;
  starts_at: Date;
  ends_at: Date;
  capacity: number;
  status: EventStatus;
  allow_reentry: boolean;
  /** e.g. concerts, festivals: what CRM segments and metrics group by. */
  category: string | null;
  tags: string[];
  created_at: Date;
  updated_at: Date;
}

export type EventInput = Partial<
  Omit<EventRow, 'id' | 'tenant_id' | 'created_at' | 'updated_at' | 'starts_at' | 'ends_at'>
> & {
  starts_at?: string;
  ends_at?: string;
};

export async function insertEvent(tx: Tx, tenantId: string, input: EventInput): Promise<EventRow> {
  const [row] = await tx('events')
    .insert({ ...input, tenant_id: tenantId })
    .returning('*');
  return row;
}

export async function getEvent(tx: Tx, id: number, opts: { lock?: boolean } = {}): Promise<EventRow | undefined> {
  const q = tx<EventRow>('events').where({ id }).first();
  // `for no key update`: it does not wait on (or block) inserts that reference the event.
  return opts.lock ? q.forNoKeyUpdate() : q;
}

/** The id of the event synced from the tenant platform under this reference, if any. */
export async function findEventIdByExternalRef(tx: Tx, externalRef: string): Promise<number | undefined> {
  const row = await tx<EventRow>('events').where({ external_ref: externalRef }).first('id');
  return row?.id;
}

export async function listEvents(
  tx: Tx,
  filter: { status?: EventStatus; after?: number; limit: number; from?: string },
): Promise<EventRow[]> {
  const q = tx<EventRow>('events').orderBy('id').limit(filter.limit);
  if (filter.status) q.where('status', filter.status);
  if (filter.after) q.where('id', '>', filter.after);
  if (filter.from) q.where('ends_at', '>=', filter.from);
  return q;
}

export async function updateEvent(tx: Tx, id: number, patch: EventInput): Promise<EventRow> {
  const [row] = await tx('events')
    .where({ id })
    .update({ ...patch, updated_at: tx.fn.now() })
    .returning('*');
  return row;
}
