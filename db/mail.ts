import type { Tx } from './connection';
import { emit } from './outbox';

export interface EmailMessage {
  /** Names the message's purpose, e.g. `waitlist-offer-42`: queueing it twice sends it once. */
  idempotencyKey: string;
  to: string;
  subject: string;
  text: string;
  html?: string;
}

/** Queues an e-mail in the caller's transaction; the `mail.send` trigger delivers it after commit. */
export async function queueEmail(tx: Tx, tenantId: string, message: EmailMessage): Promise<number | undefined> {
  const [id] = await queueEmails(tx, tenantId, [message]);
  return id;
}

/** Queues many e-mails in two statements (a burst of waitlist offers); returns the ids of those not queued before. */
export async function queueEmails(tx: Tx, tenantId: string, messages: EmailMessage[]): Promise<number[]> {
  if (!messages.length) return [];
  const rows: { id: number }[] = await tx('email_outbox').insert(messages.map((message) => ({
    tenant_id: tenantId, idempotency_key: message.idempotencyKey, to_address: message.to, subject: message.subject,
    text_body: message.text, html_body: message.html ?? null,
  }))).onConflict(['tenant_id', 'idempotency_key']).ignore().returning('id');
  await emit(tx, tenantId, rows.map((row) => ({ type: 'email.queued', aggregateType: 'email', aggregateId: row.id, payload: { email_id: row.id } })));
  return rows.map((row) => row.id);
}
