import type { Tx } from '../connection';
import { emit } from '../platform/outbox';

export interface ConsentChange {
  channel: 'email';
  granted: boolean;
  source: string;
}

export interface ConsentRow {
  id: number;
  tenant_id: string;
  customer_id: number;
  channel: 'email';
  granted: boolean;
  source: string;
  recorded_at: Date;
}

/**
 * Appends a grant or withdrawal to the customer's consent ledger, updates the customer's current
 * consent and emits `crm.consent_changed` (no-op when nothing changes).
 */
export async function recordConsent(
  tx: Tx,
  tenantId: string,
  customerId: number,
  change: ConsentChange,
): Promise<void> {
  // The row lock orders concurrent changes of one customer, so the ledger and the flag agree.
  const current = await tx('customers').where({ id: customerId }).forUpdate().first('marketing_consent');
  if (!current || current.marketing_consent === change.granted) return;
  await tx('customers')
    .where({ id: customerId })
    .update({ marketing_consent: change.granted, updated_at: tx.fn.now() });
  await tx('customer_consents').insert({
    tenant_id: tenantId,
    customer_id: customerId,
    channel: change.channel,
    granted: change.granted,
    source: change.source,
  });
  await emit(tx, tenantId, {
    type: 'crm.consent_changed',
    aggregateType: 'customer',
    aggregateId: customerId,
    payload: { customer_id: customerId, ...change },
  });
}

/** The customer's consent ledger, oldest first. */
export async function listConsents(
  tx: Tx,
  customerId: number,
  page: { after?: number; limit: number } = { limit: 200 },
): Promise<ConsentRow[]> {
  const q = tx<ConsentRow>('customer_consents').where({ customer_id: customerId }).orderBy('id').limit(page.limit);
  if (page.after) q.where('id', '>', page.after);
  return q;
}

/** The customer's latest ledger entry, if any. */
export async function lastConsent(tx: Tx, customerId: number): Promise<ConsentRow | undefined> {
  return tx<ConsentRow>('customer_consents').where({ customer_id: customerId }).orderBy('id', 'desc').first();
}
