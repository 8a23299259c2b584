import type { Tx } from '../connection';

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
}

/**
 * Queues one marketing e-mail for the rate-limited sender; suppressed (unsubscribed, bounced,
 * complained, no consent, over the frequency cap) addresses are recorded as such and not sent.
 */
export async function queueMessage(
  _tx: Tx,
  _tenantId: string,
  _message: QueuedMessage,
): Promise<{ id: number; status: 'queued' | 'suppressed' | 'held_out' }> {
  throw new Error('not built yet');
}

/** Whether the customer opened (human opens only) or clicked a message since a time, optionally of one automation. */
export async function hasEngaged(
  _tx: Tx,
  _customerId: number,
  _opts: { kind: 'open' | 'click'; since: Date; automationId?: number },
): Promise<boolean> {
  return false;
}
