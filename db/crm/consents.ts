import type { Tx } from '../connection';

export interface ConsentChange {
  channel: 'email';
  granted: boolean;
  source: string;
}

/**
 * Appends a grant or withdrawal to the customer's consent ledger, updates the customer's current
 * consent and emits `crm.consent_changed` (no-op when nothing changes).
 */
export async function recordConsent(
  _tx: Tx,
  _tenantId: string,
  _customerId: number,
  _change: ConsentChange,
): Promise<void> {}
