import type { Tx } from '../connection';

export interface ViewerSessionRow {
  id: string;
  tenant_id: string;
  stream_id: number;
  ticket_id: number;
  started_at: Date;
  refreshed_at: Date;
  ended_at: Date | null;
  end_reason: 'taken_over' | 'access_lost' | null;
}

/**
 * Opens a viewer session on the ticket; beyond `maxActive` open sessions of the ticket (on any of the event's streams)
 * the oldest are taken over, so a link shared on social media stops working at its next refresh.
 */
export async function openViewerSession(
  tx: Tx,
  tenantId: string,
  input: { streamId: number; ticketId: number; maxActive: number },
): Promise<ViewerSessionRow> {
  // The ticket's row lock serialises two devices starting at once.
  await tx('tickets').where({ id: input.ticketId }).forUpdate().first('id');
  const [row] = await tx('stream_viewer_sessions')
    .insert({ tenant_id: tenantId, stream_id: input.streamId, ticket_id: input.ticketId })
    .returning('*');
  const active = await tx<ViewerSessionRow>('stream_viewer_sessions')
    .where({ ticket_id: input.ticketId })
    .whereNull('ended_at')
    .orderBy([
      { column: 'started_at', order: 'desc' },
      { column: 'id', order: 'desc' },
    ])
    .select('id');
  const surplus = active.filter((s) => s.id !== row.id).slice(input.maxActive - 1);
  if (surplus.length)
    await tx('stream_viewer_sessions')
      .whereIn(
        'id',
        surplus.map((s) => s.id),
      )
      .update({ ended_at: tx.fn.now(), end_reason: 'taken_over' });
  return row;
}

export async function getViewerSession(tx: Tx, id: string): Promise<ViewerSessionRow | undefined> {
  return tx<ViewerSessionRow>('stream_viewer_sessions').where({ id }).first();
}

export async function touchViewerSession(tx: Tx, id: string): Promise<void> {
  await tx('stream_viewer_sessions').where({ id }).update({ refreshed_at: tx.fn.now() });
}

export async function endViewerSession(tx: Tx, id: string, reason: 'taken_over' | 'access_lost'): Promise<void> {
  await tx('stream_viewer_sessions')
    .where({ id })
    .whereNull('ended_at')
    .update({ ended_at: tx.fn.now(), end_reason: reason });
}

/** Viewer sessions refreshed since `since` on the stream: the live dashboard's viewer count. */
export async function countActiveViewers(tx: Tx, streamId: number, since: Date): Promise<number> {
  const [{ n }] = await tx('stream_viewer_sessions')
    .where({ stream_id: streamId })
    .whereNull('ended_at')
    .where('refreshed_at', '>=', since)
    .count({ n: '*' });
  return Number(n);
}

/**
 * Whether a playback token's session still opens its stream: not ended (taken over, access lost) and its ticket still
 * valid (not refunded, cancelled, voided by an exchange or transferred). Rows of other tenants answer false.
 */
export async function viewerSessionOpen(tx: Tx, id: string): Promise<boolean> {
  const row = await tx('stream_viewer_sessions as s')
    .join('tickets as t', 't.id', 's.ticket_id')
    .where('s.id', id)
    .first(tx.raw(`s.ended_at is null and t.status = 'valid' as open`));
  return (row as { open?: boolean } | undefined)?.open === true;
}
