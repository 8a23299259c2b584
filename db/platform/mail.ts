import type { Tx } from '../connection';
import { emit, type DomainEvent } from './outbox';

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

/**
 * E-mails announced per outbox event: a burst of offers costs the dispatcher one transaction per
 * chunk instead of one per e-mail, and chunks still go out in parallel.
 */
const EMAILS_PER_EVENT = 25;

/**
 * Queues many e-mails in two statements (a burst of waitlist offers); returns the ids of those not queued before.
 * `perEvent` (default 25) sets how many one outbox event sends: a bulk sender passes more, so 20,000
 * e-mails are a few hundred dispatcher transactions rather than eight hundred.
 */
export async function queueEmails(
  tx: Tx,
  tenantId: string,
  messages: EmailMessage[],
  // --- bulk batches (surveys) ---
  opts: { perEvent?: number } = {},
  // --- end bulk batches (surveys) ---
): Promise<number[]> {
  if (!messages.length) return [];
  const rows: { id: number }[] = await tx('email_outbox')
    .insert(
      messages.map((message) => ({
        tenant_id: tenantId,
        idempotency_key: message.idempotencyKey,
        to_address: message.to,
        subject: message.subject,
        text_body: message.text,
        html_body: message.html ?? null,
      })),
    )
    .onConflict(['tenant_id', 'idempotency_key'])
    .ignore()
    .returning('id');
  const ids = rows.map((row) => row.id);
  const per = opts.perEvent ?? EMAILS_PER_EVENT;
  await emit(
    tx,
    tenantId,
    Array.from({ length: Math.ceil(ids.length / per) }, (_, i) => emailsQueued(ids.slice(i * per, (i + 1) * per))),
  );
  return ids;
}

/** The event that has the mail trigger send these e-mails. */
export const emailsQueued = (ids: number[], notBefore?: Date): DomainEvent => ({
  type: 'email.queued',
  aggregateType: 'email',
  aggregateId: ids[0],
  payload: { email_ids: ids },
  notBefore,
});

export interface EmailRow {
  id: number;
  tenant_id: string;
  idempotency_key: string;
  to_address: string;
  subject: string;
  text_body: string;
  html_body: string | null;
  status: 'queued' | 'sent' | 'failed';
  attempts: number;
  last_error: string | null;
  created_at: Date;
  sent_at: Date | null;
  transport: string | null;
}

/** The e-mails of an event still to send, locked: one named by two events at once is sent by only one of them. */
export async function lockUnsentEmails(tx: Tx, ids: number[]): Promise<EmailRow[]> {
  return tx<EmailRow>('email_outbox').whereIn('id', ids).whereNot({ status: 'sent' }).orderBy('id').forUpdate();
}

export async function markEmailsSent(tx: Tx, ids: number[], transport: string): Promise<void> {
  await tx('email_outbox')
    .whereIn('id', ids)
    .update({ status: 'sent', sent_at: tx.fn.now(), attempts: tx.raw('attempts + 1'), transport });
}

/** Counts a failed attempt; the e-mails stay queued for the retry. */
export async function countFailedEmails(tx: Tx, ids: number[]): Promise<void> {
  await tx('email_outbox').whereIn('id', ids).increment('attempts', 1);
}
