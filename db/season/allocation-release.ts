import type { Tx } from '../connection';
import { getEvent } from '../events/events';
import { queueEmails } from '../platform/mail';
import { OPEN_EVENT_STATUSES } from './allocation-scope';
import { releaseAllocations } from './allocations';

const open = async (tx: Tx, eventId: number) => {
  const event = await getEvent(tx, eventId);
  return event && (OPEN_EVENT_STATUSES as readonly string[]).includes(event.status) ? event : undefined;
};

/**
 * E-mails each holder of an unclaimed season seat of the event that it goes back on sale at
 * `releaseAt` unless claimed; each allocation is warned once (`warned_at`, and the e-mail's key).
 */
export async function warnUnclaimed(tx: Tx, tenantId: string, eventId: number, releaseAt: Date): Promise<number> {
  const event = await open(tx, eventId);
  if (!event) return 0;
  const rows = (await tx('season_ticket_allocations as a')
    .join('season_subscriptions as s', 's.id', 'a.subscription_id')
    .join('customers as c', 'c.id', 's.customer_id')
    .where({ 'a.event_id': eventId, 'a.status': 'allocated' })
    .whereNull('a.warned_at')
    .whereNotNull('c.email')
    .orderBy('a.id')
    .forUpdate('a')
    .select('a.id', 'a.section', 'a.row', 'a.seat', 'c.email')) as {
    id: number;
    section: string | null;
    row: string | null;
    seat: string | null;
    email: string;
  }[];
  if (!rows.length) return 0;
  await queueEmails(
    tx,
    tenantId,
    rows.map((r) => ({
      idempotencyKey: `season-release-warning-${r.id}`,
      to: r.email,
      subject: `Claim your season seat for ${event.name}`,
      text:
        `Your season seat${r.section ? ` (${r.section}, row ${r.row}, seat ${r.seat})` : ''} for ${event.name} ` +
        `on ${event.starts_at.toISOString()} is not claimed yet. Claim it before ${releaseAt.toISOString()}; ` +
        `after that it goes back on sale (allocation ${r.id}).`,
    })),
  );
  await tx('season_ticket_allocations')
    .whereIn(
      'id',
      rows.map((r) => r.id),
    )
    .update({ warned_at: tx.fn.now() });
  return rows.length;
}

/** Puts every still-unclaimed season seat of the event back on single-ticket sale. */
export async function releaseUnclaimed(tx: Tx, tenantId: string, eventId: number): Promise<number[]> {
  if (!(await open(tx, eventId))) return [];
  const ids = (await tx('season_ticket_allocations')
    .where({ event_id: eventId, status: 'allocated' })
    .orderBy('id')
    .pluck('id')) as number[];
  return releaseAllocations(tx, tenantId, ids, 'unclaimed');
}
