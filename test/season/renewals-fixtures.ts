import fs from 'node:fs';
import path from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { withTenant } from '../../db/connection';
import { emit } from '../../db/platform/outbox';
import { upsertModule } from '../../db/platform/modules';
import { DAY_MS } from '../../domain/season/renewal';
import { seasonRenewalWorkflowId } from '../../workflows/season/renewal-contract';
import type { TenantFixture } from '../helpers/fixtures';
import { eventually, type Harness } from '../helpers/harness';
import { HISTORY_DIR } from '../helpers/histories';

/** A renewal "day" in the tests: one second. */
export const TEST_DAY_MS = 1_000;

/** Reminders 2 and 1 days before, retries 1 and 2 days after, expiry 3 days after: the whole cycle in ~6 s. */
export async function renewalSettings(h: Harness, t: TenantFixture): Promise<void> {
  await upsertModule(h.owner, t.tenantId, 'season', {
    enabled: true,
    settings: {
      renewal_reminder_days: [2, 1],
      dunning_retry_days: [1, 2],
      grace_days: 3,
      renewal_time_scale: TEST_DAY_MS / DAY_MS,
    },
  });
}

export interface RenewingSubscription {
  subscriptionId: number;
  customerId: number;
  email: string;
  stripeCustomer: string;
  renewsAt: Date;
}

let seq = 0;

/**
 * An annual subscription renewing in `renewsInMs`, stored directly (the subscriptions part has its own
 * tests) and announced with `season.subscription_started` as the purchase does: the renewal trigger
 * starts its workflow from that event.
 */
export async function renewingSubscription(
  h: Harness,
  t: TenantFixture,
  opts: { renewsInMs: number; provider?: 'stripe' | 'offline'; autoRenew?: boolean },
): Promise<RenewingSubscription> {
  seq++;
  const email = `renewal-${seq}-${Date.now()}@example.com`;
  const stripeCustomer = `cus_renewal_${seq}_${Date.now()}`;
  const renewsAt = new Date(Date.now() + opts.renewsInMs);
  const [pkg] = (await h
    .owner('season_packages')
    .insert({
      tenant_id: t.tenantId,
      name: 'Gold season',
      type: 'full',
      price_minor: 30_000,
      currency: 'EUR',
      billing_cycle: 'annual',
      season_starts_at: new Date(Date.now() - 30 * DAY_MS),
      season_ends_at: new Date(Date.now() + 365 * DAY_MS),
    })
    .returning('id')) as { id: number }[];
  const [customer] = (await h
    .owner('customers')
    .insert({ tenant_id: t.tenantId, email, name: 'Ada Lovelace' })
    .returning('id')) as { id: number }[];
  const provider = opts.provider ?? 'stripe';
  const autoRenew = opts.autoRenew ?? true;
  const [sub] = (await h
    .owner('season_subscriptions')
    .insert({
      tenant_id: t.tenantId,
      package_id: pkg.id,
      customer_id: customer.id,
      status: 'active',
      price_minor: 30_000,
      currency: 'EUR',
      starts_at: new Date(Date.now() - 30 * DAY_MS),
      ends_at: renewsAt,
      auto_renew: autoRenew,
      renews_at: autoRenew ? renewsAt : null,
      payment_provider: provider,
      stripe_customer_id: provider === 'stripe' ? stripeCustomer : null,
    })
    .returning('id')) as { id: number }[];
  const subscriptionId = Number(sub.id);
  await withTenant(h.db, t.tenantId, (tx) =>
    emit(tx, t.tenantId, {
      type: 'season.subscription_started',
      aggregateType: 'season_subscription',
      aggregateId: subscriptionId,
      payload: {
        subscription_id: subscriptionId,
        package_id: Number(pkg.id),
        customer_id: Number(customer.id),
        price_minor: 30_000,
        currency: 'EUR',
        payment_provider: provider,
        starts_at: new Date(Date.now() - 30 * DAY_MS).toISOString(),
        ends_at: renewsAt.toISOString(),
        renews_at: autoRenew ? renewsAt.toISOString() : null,
      },
    }),
  );
  return { subscriptionId, customerId: Number(customer.id), email, stripeCustomer, renewsAt };
}

/** The e-mails the SMTP receiver got for an address, by subject. */
export const mailTo = (h: Harness, email: string): string[] =>
  h.mail.filter((m) => m.to.includes(email)).map((m) => m.subject);

/** The body of the e-mails to an address (quoted-printable soft breaks undone). */
export const mailBodies = (h: Harness, email: string): string =>
  h.mail
    .filter((m) => m.to.includes(email))
    .map((m) => m.raw.replace(/=\r?\n/g, '').replace(/=E2=82=AC/g, '€'))
    .join('\n');

export async function outboxOf(
  h: Harness,
  subscriptionId: number,
): Promise<{ type: string; payload: Record<string, unknown> }[]> {
  return h
    .owner('outbox')
    .where({ aggregate_type: 'season_subscription', aggregate_id: String(subscriptionId) })
    .orderBy('id')
    .select('type', 'payload');
}

export const renewalHandle = (h: Harness, t: TenantFixture, subscriptionId: number) =>
  h.temporal.workflow.getHandle(seasonRenewalWorkflowId(t.tenantId, subscriptionId));

/** Waits until the renewal's period row reaches a status. */
export async function renewalRow(
  h: Harness,
  subscriptionId: number,
  status: string,
  timeoutMs = 20_000,
): Promise<{ status: string; attempts: number; reminders_sent: number[]; payment_id: number | null }> {
  return eventually(
    async () => {
      const row = await h.owner('season_renewals').where({ subscription_id: subscriptionId }).orderBy('id').first();
      return row?.status === status && row;
    },
    { timeoutMs, what: `renewal of ${subscriptionId} ${status}` },
  );
}

/**
 * With RECORD_HISTORIES=1, saves the history of one run (the first run of a renewal that continued as
 * new is complete, unlike the latest one still waiting for the next period).
 */
export async function recordRunHistory(h: Harness, workflowId: string, runId: string, name: string): Promise<void> {
  if (!process.env.RECORD_HISTORIES) return;
  const history = await h.temporal.workflow.getHandle(workflowId, runId).fetchHistory();
  fs.writeFileSync(path.join(HISTORY_DIR, `${name}.json`), historyToJSON(history));
}
