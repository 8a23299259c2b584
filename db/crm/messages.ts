import type { Tx } from '../connection';
import { emit, type DomainEvent } from '../platform/outbox';
import { DEFAULT_FREQUENCY_CAP_PER_WEEK, DEFAULT_SEND_RATE_PER_S, type CrmSettings } from '../../domain/crm/settings';

export interface QueuedMessage {
  customerId: number;
  templateId: number;
  automationId?: number;
  enrolmentId?: number;
  step?: number;
  /** Unique per tenant: queueing the same key again returns the first message (never sent twice). */
  dedupeKey: string;
  /** Held-out enrolments are recorded but never sent. */
  holdout?: boolean;
  /** Overrides the template's subject (an A/B variant). */
  subject?: string;
  campaignId?: number;
  variant?: string;
  /** Not sent before this (send-time optimisation); default now. */
  sendAfter?: Date;
}

export type MessageStatus = 'pending' | 'queued' | 'sending' | 'sent' | 'failed' | 'suppressed' | 'held_out';
export type SuppressReason =
  'no_consent' | 'erased' | 'unsubscribe' | 'hard_bounce' | 'complaint' | 'frequency_cap' | 'duplicate_address';

export interface CrmMessageRow {
  id: number;
  tenant_id: string;
  customer_id: number;
  to_address: string;
  campaign_id: number | null;
  variant: string | null;
  automation_id: number | null;
  enrolment_id: number | null;
  step: number | null;
  template_id: number;
  subject: string | null;
  dedupe_key: string;
  status: MessageStatus;
  suppress_reason: string | null;
  send_after: Date;
  lease_until: Date | null;
  attempts: number;
  last_error: string | null;
  created_at: Date;
  sent_at: Date | null;
  smtp_message_id: string | null;
}

/** The tenant's CRM settings with defaults applied (the `crm` row of tenant_modules). */
export async function crmSettings(
  tx: Tx,
): Promise<Required<Pick<CrmSettings, 'frequency_cap_per_week' | 'send_rate_per_s'>> & CrmSettings> {
  const row = await tx('tenant_modules').where({ module: 'crm' }).first('settings');
  const settings = (row?.settings ?? {}) as CrmSettings;
  return {
    ...settings,
    frequency_cap_per_week: settings.frequency_cap_per_week ?? DEFAULT_FREQUENCY_CAP_PER_WEEK,
    send_rate_per_s: settings.send_rate_per_s ?? DEFAULT_SEND_RATE_PER_S,
  };
}

/** Messages announced per outbox event: each event is one batch for the sender. */
export const MESSAGES_PER_EVENT = 50;

/** The events that have the sender send these messages once `notBefore` has passed. */
export function messagesQueued(ids: number[], notBefore?: Date): DomainEvent[] {
  const events: DomainEvent[] = [];
  for (let i = 0; i < ids.length; i += MESSAGES_PER_EVENT) {
    const chunk = ids.slice(i, i + MESSAGES_PER_EVENT);
    events.push({
      type: 'email.marketing_queued',
      aggregateType: 'crm_message',
      aggregateId: chunk[0],
      payload: { message_ids: chunk },
      ...(notBefore && notBefore.getTime() > Date.now() ? { notBefore } : {}),
    });
  }
  return events;
}

/**
 * Why a customer may not get marketing e-mail now, or undefined when they may. Reads the customer
 * row as JSON so that the customer-data part's columns (`marketing_consent`, `erased_at`) are read
 * by name without this file depending on their exact types.
 */
async function suppressionOf(
  tx: Tx,
  customerId: number,
  cap: number,
): Promise<{ email: string; reason?: SuppressReason } | undefined> {
  const row = (await tx
    .select(
      'c.email',
      tx.raw(`to_jsonb(c) -> 'marketing_consent' as consent`),
      tx.raw(`to_jsonb(c) ->> 'erased_at' as erased_at`),
      tx.raw(`s.reason as suppressed`),
      tx.raw(
        `(select count(*)::int from crm_messages m where m.customer_id = c.id
           and m.status in ('queued', 'sending', 'sent')
           and coalesce(m.sent_at, m.send_after) > now() - interval '7 days') as recent`,
      ),
    )
    .from('customers as c')
    .leftJoin('email_suppressions as s', (j) => j.on(tx.raw('lower(c.email) = s.email')))
    .where('c.id', customerId)
    .first()) as
    | { email: string; consent: unknown; erased_at: string | null; suppressed: SuppressReason | null; recent: number }
    | undefined;
  if (!row) return undefined;
  const email = row.email.toLowerCase();
  if (row.erased_at) return { email, reason: 'erased' };
  if (row.consent !== true) return { email, reason: 'no_consent' };
  if (row.suppressed) return { email, reason: row.suppressed };
  if (row.recent >= cap) return { email, reason: 'frequency_cap' };
  return { email };
}

/**
 * Queues one marketing e-mail for the rate-limited sender; suppressed (unsubscribed, bounced,
 * complained, no consent, over the frequency cap) addresses are recorded as such and not sent.
 */
export async function queueMessage(
  tx: Tx,
  tenantId: string,
  message: QueuedMessage,
): Promise<{ id: number; status: 'queued' | 'suppressed' | 'held_out' }> {
  const existing = await tx<CrmMessageRow>('crm_messages').where({ dedupe_key: message.dedupeKey }).first();
  if (existing) return { id: existing.id, status: publicStatus(existing.status) };
  const settings = await crmSettings(tx);
  const check = await suppressionOf(tx, message.customerId, settings.frequency_cap_per_week);
  if (!check) throw new Error(`customer ${message.customerId} not found`);
  const status: MessageStatus = message.holdout ? 'held_out' : check.reason ? 'suppressed' : 'queued';
  const sendAfter = message.sendAfter ?? new Date();
  const [row] = (await tx('crm_messages')
    .insert({
      tenant_id: tenantId,
      customer_id: message.customerId,
      to_address: check.email,
      campaign_id: message.campaignId ?? null,
      variant: message.variant ?? null,
      automation_id: message.automationId ?? null,
      enrolment_id: message.enrolmentId ?? null,
      step: message.step ?? null,
      template_id: message.templateId,
      subject: message.subject ?? null,
      dedupe_key: message.dedupeKey,
      status,
      suppress_reason: status === 'suppressed' ? check.reason : null,
      send_after: sendAfter,
    })
    .onConflict(['tenant_id', 'dedupe_key'])
    .ignore()
    .returning(['id', 'status'])) as { id: number; status: MessageStatus }[];
  if (!row) {
    // Queued by a concurrent transaction between our read and insert: that one wins.
    const first = await tx<CrmMessageRow>('crm_messages').where({ dedupe_key: message.dedupeKey }).first();
    if (!first) throw new Error(`message ${message.dedupeKey} vanished`);
    return { id: first.id, status: publicStatus(first.status) };
  }
  if (status === 'queued') await emit(tx, tenantId, messagesQueued([row.id], sendAfter));
  return { id: row.id, status: publicStatus(status) };
}

const publicStatus = (s: MessageStatus): 'queued' | 'suppressed' | 'held_out' =>
  // A failed message was queued once: its caller's work (an automation step) is done.
  s === 'suppressed' || s === 'held_out' ? s : 'queued';

/** Whether the customer opened (human opens only) or clicked a message since a time, optionally of one automation. */
export async function hasEngaged(
  tx: Tx,
  customerId: number,
  opts: { kind: 'open' | 'click'; since: Date; automationId?: number },
): Promise<boolean> {
  const q = tx('email_events as e')
    .join('crm_messages as m', 'm.id', 'e.message_id')
    .where('e.customer_id', customerId)
    .where('e.kind', opts.kind)
    .where('e.at', '>=', opts.since)
    .first(tx.raw('1 as hit'));
  if (opts.kind === 'open') q.where('e.machine', false);
  if (opts.automationId !== undefined) q.where('m.automation_id', opts.automationId);
  return Boolean(await q);
}

export async function getMessage(tx: Tx, id: number): Promise<CrmMessageRow | undefined> {
  return tx<CrmMessageRow>('crm_messages').where({ id }).first();
}

// ---- The sender's steps. Each runs in its own short transaction, so that a message accepted by
// SMTP is marked sent (one row, one commit) before the next is sent: a worker killed mid-batch
// leaves at most the one message it was handing over in doubt (see activities/crm/campaigns.ts).

/**
 * Takes the named messages that are due (queued with `send_after` passed, or `sending` with an
 * expired lease: their sender died) for this sender until `leaseUntil`; locked rows are skipped.
 */
export async function claimMessages(tx: Tx, ids: number[], leaseUntil: Date): Promise<CrmMessageRow[]> {
  if (!ids.length) return [];
  const { rows } = await tx.raw<{ rows: CrmMessageRow[] }>(
    `update crm_messages m set status = 'sending', lease_until = ?, attempts = m.attempts + 1
      where m.id in (
        select id from crm_messages
         where id = any(?::bigint[])
           and ((status = 'queued' and send_after <= now()) or (status = 'sending' and lease_until < now()))
         order by id
         for update skip locked)
      returning m.*`,
    [leaseUntil, ids],
  );
  return rows.sort((a, b) => a.id - b.id);
}

/** The named messages another sender holds now (leased, not expired): when their lease runs out. */
export async function leasedElsewhere(tx: Tx, ids: number[], mine: number[]): Promise<Date | undefined> {
  if (!ids.length) return undefined;
  const row = (await tx('crm_messages')
    .whereIn('id', ids)
    .whereNotIn('id', mine)
    .where((q) =>
      q
        .where({ status: 'sending' })
        .orWhere((q2) => q2.where({ status: 'queued' }).where('send_after', '<=', tx.fn.now())),
    )
    .max('lease_until as until')
    .count('* as n')
    .first()) as { until: Date | null; n: string | number } | undefined;
  if (!row || Number(row.n) === 0) return undefined;
  return row.until ? new Date(row.until) : new Date(Date.now() + 1000);
}

export async function extendLease(tx: Tx, ids: number[], leaseUntil: Date): Promise<void> {
  if (ids.length)
    await tx('crm_messages').whereIn('id', ids).where({ status: 'sending' }).update({ lease_until: leaseUntil });
}

/** Records SMTP's acceptance; false when the row is no longer ours to mark. */
export async function markMessageSent(tx: Tx, id: number, smtpMessageId: string): Promise<boolean> {
  // Not waiting for the WAL flush: the mark is in Postgres as soon as it commits, so a dead worker
  // loses nothing; only a crash of Postgres itself within ~0.6 s could forget it (and resend one).
  await tx.raw('set local synchronous_commit = off');
  const n = await tx('crm_messages').where({ id, status: 'sending' }).update({
    status: 'sent',
    sent_at: tx.fn.now(),
    smtp_message_id: smtpMessageId,
    lease_until: null,
    last_error: null,
  });
  return n > 0;
}

/** A temporary refusal (SMTP 4xx): queued again for later, never counted as sent nor dropped. */
export async function requeueMessage(tx: Tx, id: number, sendAfter: Date, error: string): Promise<void> {
  await tx('crm_messages')
    .where({ id, status: 'sending' })
    .update({ status: 'queued', send_after: sendAfter, lease_until: null, last_error: error.slice(0, 1000) });
}

export async function failMessage(tx: Tx, id: number, error: string): Promise<void> {
  await tx('crm_messages')
    .where({ id, status: 'sending' })
    .update({ status: 'failed', lease_until: null, last_error: error.slice(0, 1000) });
}
