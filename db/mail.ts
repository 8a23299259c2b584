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
  const [row] = await tx('email_outbox').insert({
    tenant_id: tenantId, idempotency_key: message.idempotencyKey, to_address: message.to, subject: message.subject,
    text_body: message.text, html_body: message.html ?? null,
  }).onConflict(['tenant_id', 'idempotency_key']).ignore().returning('id');
  if (!row) return undefined;
  await emit(tx, tenantId, { type: 'email.queued', aggregateType: 'email', aggregateId: row.id, payload: { email_id: row.id } });
  return row.id;
}
