import { z } from 'zod';
import { listRenewals, type RenewalRow } from '../../db/season/renewals';
import { getSubscription } from '../../db/season/subscriptions';
import type { RouterDeps } from '../deps';
import { visibleTo } from '../ownership';
import { defineRoute } from '../route';
import { IdParams, isoOrNull } from '../schemas/common';

const SeasonRenewal = z
  .object({
    id: z.number().int(),
    subscription_id: z.number().int(),
    renews_at: z.string().meta({ description: 'The renewal date of the period (ISO 8601)' }),
    amount_minor: z.number().int(),
    currency: z.string(),
    status: z.enum(['pending', 'failing', 'renewed', 'expired', 'cancelled']).meta({
      description:
        'pending: reminders sent, not charged yet; failing: a charge failed, retries and dunning running within grace; renewed; expired: unpaid at the grace end; cancelled: cancelled while charged (refunded)',
    }),
    attempts: z.number().int(),
    last_failure: z.string().nullable(),
    next_retry_at: z.string().nullable(),
    grace_ends_at: z.string(),
    payment_id: z.number().int().nullable().meta({ description: 'The season payment that renewed it' }),
    reminders_sent: z
      .array(z.number().int())
      .meta({ description: 'Days before the renewal date of each reminder sent' }),
  })
  .meta({ id: 'SeasonRenewal' });

const SeasonRenewals = z.object({ items: z.array(SeasonRenewal) }).meta({ id: 'SeasonRenewals' });

const toRenewal = (r: RenewalRow): z.infer<typeof SeasonRenewal> => ({
  id: r.id,
  subscription_id: r.subscription_id,
  renews_at: r.renews_at.toISOString(),
  amount_minor: r.amount_minor,
  currency: r.currency,
  status: r.status,
  attempts: r.attempts,
  last_failure: r.last_failure,
  next_retry_at: isoOrNull(r.next_retry_at),
  grace_ends_at: r.grace_ends_at.toISOString(),
  payment_id: r.payment_id,
  reminders_sent: r.reminders_sent,
});

export function renewalsRoutes(deps: RouterDeps): void {
  defineRoute(deps, {
    method: 'get',
    path: '/api/season/subscriptions/{id}/renewals',
    summary: "A subscription's renewals, newest first: reminders sent, charge attempts, dunning and outcome",
    tags: ['season'],
    access: { scope: 'read', customer: true, module: 'season' },
    params: IdParams,
    responses: { 200: { description: 'Renewal periods', schema: SeasonRenewals } },
    handler: async ({ tx, auth, params }) => {
      const sub = visibleTo(auth, await getSubscription(tx, params.id), (s) => s.customer_id, 'Subscription');
      return { body: { items: (await listRenewals(tx, sub.id)).map(toRenewal) } };
    },
  });
}
