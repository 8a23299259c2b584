import type { Tx } from '../connection';
import { emit } from '../platform/outbox';
import { recordConsent } from './consents';
import type { CrmMessageRow } from './messages';

export type EmailEventKind = 'open' | 'click' | 'bounce' | 'complaint' | 'unsubscribe';

const messageRef = (m: CrmMessageRow) => ({
  message_id: m.id,
  customer_id: m.customer_id,
  campaign_id: m.campaign_id,
  automation_id: m.automation_id,
});

async function insertEvent(
  tx: Tx,
  m: CrmMessageRow,
  kind: EmailEventKind,
  extra: { machine?: boolean; url?: string } = {},
): Promise<void> {
  await tx('email_events').insert({
    tenant_id: m.tenant_id,
    message_id: m.id,
    customer_id: m.customer_id,
    kind,
    machine: extra.machine ?? false,
    url: extra.url ?? null,
  });
}

export async function recordOpen(tx: Tx, m: CrmMessageRow, machine: boolean): Promise<void> {
  await insertEvent(tx, m, 'open', { machine });
  await emit(tx, m.tenant_id, {
    type: 'crm.email_opened',
    aggregateType: 'crm_message',
    aggregateId: m.id,
    payload: { ...messageRef(m), machine },
  });
}

export async function recordClick(tx: Tx, m: CrmMessageRow, url: string): Promise<void> {
  await insertEvent(tx, m, 'click', { url });
  await emit(tx, m.tenant_id, {
    type: 'crm.email_clicked',
    aggregateType: 'crm_message',
    aggregateId: m.id,
    payload: { ...messageRef(m), url },
  });
}

export async function suppressAddress(
  tx: Tx,
  tenantId: string,
  email: string,
  reason: 'unsubscribe' | 'hard_bounce' | 'complaint',
): Promise<void> {
  await tx('email_suppressions')
    .insert({ tenant_id: tenantId, email: email.toLowerCase(), reason })
    .onConflict(['tenant_id', 'email'])
    .ignore();
}

/** Whether the address is on the tenant's suppression list. */
export async function isSuppressed(tx: Tx, email: string): Promise<boolean> {
  return Boolean(await tx('email_suppressions').where({ email: email.toLowerCase() }).first('email'));
}

/**
 * Unsubscribes the recipient of a message: the address is suppressed, consent withdrawn in the
 * ledger, and `crm.unsubscribed` emitted. A second unsubscribe changes nothing.
 */
export async function unsubscribeRecipient(tx: Tx, m: CrmMessageRow, source: string): Promise<boolean> {
  if (await isSuppressed(tx, m.to_address)) return false;
  await suppressAddress(tx, m.tenant_id, m.to_address, 'unsubscribe');
  await insertEvent(tx, m, 'unsubscribe');
  await recordConsent(tx, m.tenant_id, m.customer_id, { channel: 'email', granted: false, source });
  await emit(tx, m.tenant_id, {
    type: 'crm.unsubscribed',
    aggregateType: 'customer',
    aggregateId: m.customer_id,
    payload: { customer_id: m.customer_id, source },
  });
  return true;
}

/** A permanent SMTP refusal: the address is suppressed and `crm.email_bounced` emitted. */
export async function recordHardBounce(tx: Tx, m: CrmMessageRow): Promise<void> {
  await suppressAddress(tx, m.tenant_id, m.to_address, 'hard_bounce');
  await insertEvent(tx, m, 'bounce');
  await emit(tx, m.tenant_id, {
    type: 'crm.email_bounced',
    aggregateType: 'crm_message',
    aggregateId: m.id,
    payload: { ...messageRef(m), hard: true },
  });
}

export async function emitEmailSent(tx: Tx, m: CrmMessageRow): Promise<void> {
  await emit(tx, m.tenant_id, {
    type: 'crm.email_sent',
    aggregateType: 'crm_message',
    aggregateId: m.id,
    payload: messageRef(m),
  });
}

/**
 * A spam complaint (a mailbox provider's feedback loop): the address is suppressed, marketing
 * consent withdrawn in the ledger and `crm.email_complained` emitted. A second report of the same
 * message changes nothing and answers false.
 */
export async function recordComplaint(tx: Tx, m: CrmMessageRow): Promise<boolean> {
  // Two reports of one message at once: the second waits here, then sees the first's event.
  await tx('crm_messages').where({ id: m.id }).forUpdate().first('id');
  const seen = await tx('email_events').where({ message_id: m.id, kind: 'complaint' }).first('message_id');
  if (seen) return false;
  await suppressAddress(tx, m.tenant_id, m.to_address, 'complaint');
  await insertEvent(tx, m, 'complaint');
  await recordConsent(tx, m.tenant_id, m.customer_id, { channel: 'email', granted: false, source: 'spam_complaint' });
  await emit(tx, m.tenant_id, {
    type: 'crm.email_complained',
    aggregateType: 'crm_message',
    aggregateId: m.id,
    payload: messageRef(m),
  });
  return true;
}
