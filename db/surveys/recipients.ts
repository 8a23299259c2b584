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
 * Takes the next recipients still owed an e-mail and marks them mailed, in one statement; locked rows
 * are skipped so two runs never take the same ones. The invite goes to everyone, the reminder only to
 * those who have not responded. The caller queues their e-mails in the same transaction.
 */
export async function claimForMail(
  tx: Tx,
  surveyId: number,
  eventId: number,
  kind: MailKind,
  limit: number,
): Promise<Pick<RecipientRow, 'id' | 'email'>[]> {
  const owed =
    kind === 'invite'
      ? 'r.sent_at is null'
      : `r.sent_at is not null and r.reminded_at is null
         and not exists (select 1 from survey_responses sr where sr.recipient_id = r.id)`;
  const { rows } = await tx.raw<{ rows: Pick<RecipientRow, 'id' | 'email'>[] }>(
    `
    update survey_recipients u set ${kind === 'invite' ? 'sent_at' : 'reminded_at'} = now()
    from (
      select r.id from survey_recipients r
      where r.survey_id = :surveyId and r.event_id = :eventId and ${owed}
      order by r.id limit :limit
      for update skip locked
    ) c
    where u.id = c.id
    returning u.id, u.email`,
    { surveyId, eventId, limit },
  );
  return rows;
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
