import type { Mailer } from '../integrations/mail/mailer';
import type { PaymentProvider } from '../integrations/payments/provider';
import { eventTriggers } from './events/triggers';
import { insightTriggers } from './insights/triggers';
import { mailTrigger } from './platform/mail-trigger';
import { refundTriggers } from './refunds/triggers';
import type { Trigger } from './platform/triggers';
import { waitlistTriggers } from './waitlist/triggers';
import { walletTriggers } from './wallet/triggers';
import { webhookTriggers } from './webhooks/triggers';

export interface TriggerDeps {
  mailer: Mailer;
  payments: PaymentProvider;
}

/**
 * The one registration point for reactions to domain events: each module adds its triggers here
 * (wallet passes on order.created, waitlist on ticket release, capacity alerts on check-in, ...).
 */
export function createTriggers(deps: TriggerDeps): Trigger[] {
  return [
    mailTrigger(deps.mailer),
    ...waitlistTriggers(deps),
    ...walletTriggers(),
    ...webhookTriggers(),
    ...eventTriggers(),
    ...insightTriggers(),
    ...refundTriggers(),
  ];
}
