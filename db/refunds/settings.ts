import type { Tx } from '../connection';
import { DEFAULT_REFUND_RATE_LIMIT_PER_S } from '../../domain/refunds/settings';
import { getModule } from '../platform/modules';

/** How long a request waits for staff before they are reminded, unless the tenant sets `approval_reminder_after_s`. */
const DEFAULT_REMINDER_S = 24 * 3600;

/** The tenant's reminder delay in seconds, the default when unset or unusable. */
export async function approvalReminderAfterS(tx: Tx): Promise<number> {
  const setting = Number((await getModule(tx, 'refunds'))?.settings.approval_reminder_after_s ?? DEFAULT_REMINDER_S);
  return Number.isFinite(setting) && setting > 0 ? setting : DEFAULT_REMINDER_S;
}

/** How many provider refunds per second a mass refund may send: the tenant's setting, else Stripe's live limit. */
export async function refundRateLimitPerS(tx: Tx): Promise<number> {
  const setting = Number((await getModule(tx, 'refunds'))?.settings.refund_rate_limit_per_s);
  return Number.isInteger(setting) && setting > 0 ? setting : DEFAULT_REFUND_RATE_LIMIT_PER_S;
}
