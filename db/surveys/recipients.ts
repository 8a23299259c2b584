import type { Tx } from '../connection';
import type { Audience, MailKind } from '../../domain/surveys/dispatch';

export interface RecipientRow {
  id: number;
  tenant_id: string;
  survey_id: number;
  event_id: number | null;
  customer_id: number;
  ticket_id: number | null;
  ticket_type_id: number | null;
  gate: string | null;
  email: string;
  sent_at: Date | null;
  reminded_at: Date | null;
  closes_at: Date | null;
  created_at: Date;
}

/**
 * One ticket per person of the event's audience: checked-in attendees (their first admission, for its
 * ticket type and gate), or ticket holders none of whose tickets was scanned.
 */
const AUDIENCE_SQL: Record<Audience, string> = {
  attended: `
    select distinct on (t.customer_id) t.customer_id, t.id as ticket_id, t.ticket_type_id, g.name as gate
    from tickets t
    join checkin_presence p on p.ticket_id = t.id
    left join checkin_gates g on g.id = p.first_gate_id
    where t.event_id = :eventId
    order by t.customer_id, p.first_admitted_at, t.id`,
  no_shows: `
    select distinct on (t.customer_id) t.customer_id, t.id as ticket_id, t.ticket_type_id, null::text as gate
    from tickets t
    where t.event_id = :eventId and t.status = 'valid'
      and not exists (
        select 1 from tickets t2 join checkin_presence p on p.ticket_id = t2.id
        where t2.event_id = t.event_id and t2.customer_id = t.customer_id)
    order by t.customer_id, t.id`,
};

/** Records the event's audience as the survey's recipients, once (a retried snapshot adds nobody twice); returns how many there are. */
export async function snapshotRecipients(
  tx: Tx,
  tenantId: string,
  surveyId: number,
  eventId: number,
  audience: Audience,
  windowMs: number,
): Promise<number> {
  await tx.raw(
    `
    insert into survey_recipients (tenant_id, survey_id, event_id, customer_id, ticket_id, ticket_type_id, gate, email, closes_at)
    select :tenantId, :surveyId, :eventId, a.customer_id, a.ticket_id, a.ticket_type_id, a.gate, c.email,
      now() + :windowMs * interval '1 millisecond'
    from (${AUDIENCE_SQL[audience]}) a
    join customers c on c.id = a.customer_id
    on conflict (survey_id, event_id, customer_id) do nothing`,
    { tenantId, surveyId, eventId, windowMs },
  );
  const [{ count }] = await tx('survey_recipients')
    .where({ survey_id: surveyId, event_id: eventId })
    .count({ count: '*' });
  return Number(count);
}

/**
 * The next recipients still owed an e-mail, locked so two runs never take the same ones: the invite
 * goes to everyone, the reminder only to those who have not responded.
 */
export async function claimUnmailed(
  tx: Tx,
  surveyId: number,
  eventId: number,
  kind: MailKind,
  limit: number,
): Promise<RecipientRow[]> {
  const q = tx('survey_recipients as r')
    .where('r.survey_id', surveyId)
    .andWhere('r.event_id', eventId)
    .select('r.*')
    .orderBy('r.id')
    .limit(limit)
    .forUpdate()
    .skipLocked();
  if (kind === 'invite') q.whereNull('r.sent_at');
  else
    q.whereNotNull('r.sent_at')
      .whereNull('r.reminded_at')
      .whereNotExists((s) => s.from('survey_responses as sr').whereRaw('sr.recipient_id = r.id'));
  return (await q) as RecipientRow[];
}

export async function markMailed(tx: Tx, ids: number[], kind: MailKind): Promise<void> {
  await tx('survey_recipients')
    .whereIn('id', ids)
    .update(kind === 'invite' ? { sent_at: tx.fn.now() } : { reminded_at: tx.fn.now() });
}

export async function getRecipient(
  tx: Tx,
  id: number,
  opts: { lock?: boolean } = {},
): Promise<RecipientRow | undefined> {
  const q = tx<RecipientRow>('survey_recipients').where({ id }).first();
  return opts.lock ? q.forUpdate() : q;
}

export async function listRecipients(tx: Tx, surveyId: number, eventId?: number): Promise<RecipientRow[]> {
  const q = tx<RecipientRow>('survey_recipients').where({ survey_id: surveyId }).orderBy('id');
  if (eventId) q.where({ event_id: eventId });
  return q;
}
