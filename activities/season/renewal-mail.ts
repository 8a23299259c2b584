import type { EmailMessage } from '../../db/platform/mail';
import type { RenewalSubject } from '../../db/season/renewals';
import { firstName } from '../../domain/crm/templates';
import { formatMailDate, formatMoney, renderRenewalMail, type RenewalMailKind } from '../../domain/season/renewal-mail';

export interface RenewalMailFacts {
  renewsAt: string;
  daysBefore?: number;
  failure?: string;
  nextRetryAt?: string | null;
  graceEndsAt?: string;
}

/**
 * A renewal e-mail to the subscriber, ready to queue. The idempotency key names the message's
 * purpose (subscription, period, reminder or attempt), so a repeated activity queues it once.
 */
export async function renewalEmail(
  kind: RenewalMailKind,
  s: RenewalSubject,
  facts: RenewalMailFacts,
  idempotencyKey: string,
): Promise<EmailMessage> {
  const rendered = await renderRenewalMail(kind, {
    customer: { name: s.customer_name, first_name: firstName(s.customer_name) },
    tenant: { name: s.tenant_name },
    package: { name: s.package_name },
    amount: formatMoney(s.amount_minor, s.currency),
    renews_at: formatMailDate(facts.renewsAt),
    days_before: facts.daysBefore ?? 0,
    failure: facts.failure ?? '',
    next_retry_at: facts.nextRetryAt ? formatMailDate(facts.nextRetryAt) : null,
    grace_ends_at: facts.graceEndsAt ? formatMailDate(facts.graceEndsAt) : '',
    offline: s.payment_provider === 'offline',
  });
  return { idempotencyKey, to: s.customer_email, ...rendered };
}
