import type { Tx } from '../connection';

/** A node's report is counted while younger than this; a node that stopped reporting drops out. */
export const PRESENCE_FRESH_SECONDS = 30;

/** Records how many viewer sockets this realtime node holds per stream of one tenant (0 removes the row). */
export async function reportPresence(
  tx: Tx,
  tenantId: string,
  nodeId: string,
  viewers: { streamId: number; viewers: number }[],
): Promise<void> {
  const gone = viewers.filter((v) => v.viewers === 0).map((v) => v.streamId);
  const here = viewers.filter((v) => v.viewers > 0);
  if (gone.length) await tx('stream_chat_presence').where({ node_id: nodeId }).whereIn('stream_id', gone).del();
  if (here.length)
    await tx('stream_chat_presence')
      .insert(here.map((v) => ({ tenant_id: tenantId, stream_id: v.streamId, node_id: nodeId, viewers: v.viewers })))
      .onConflict(['stream_id', 'node_id'])
      .merge({ viewers: tx.raw('excluded.viewers'), reported_at: tx.fn.now() });
}

export interface ChatCountsRow {
  viewers: number;
  chatters_5m: number;
  messages_1m: number;
  messages_total: number;
}

/** Viewers over every node, and how busy the chat is. */
export async function chatCounts(tx: Tx, streamId: number): Promise<ChatCountsRow> {
  const { rows } = await tx.raw<{ rows: ChatCountsRow[] }>(
    `select
       (select coalesce(sum(viewers), 0)::int from stream_chat_presence
         where stream_id = :streamId and reported_at > now() - make_interval(secs => :fresh)) as viewers,
       (select count(distinct customer_id)::int from stream_chat_messages
         where stream_id = :streamId and customer_id is not null and created_at > now() - interval '5 minutes') as chatters_5m,
       (select count(*)::int from stream_chat_messages
         where stream_id = :streamId and created_at > now() - interval '1 minute') as messages_1m,
       (select count(*)::int from stream_chat_messages where stream_id = :streamId) as messages_total`,
    { streamId, fresh: PRESENCE_FRESH_SECONDS },
  );
  return rows[0];
}
