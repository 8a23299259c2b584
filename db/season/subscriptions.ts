import type { Tx } from '../connection';
import type { SubscriptionStatus } from '../../domain/season/packages';

export interface SubscriptionRow {
  id: number;
  tenant_id: string;
  package_id: number;
  customer_id: number;
  status: SubscriptionStatus;
  flex_credits_remaining: number | null;
  price_minor: number;
  currency: string;
  starts_at: Date;
  ends_at: Date;
  auto_renew: boolean;
  renews_at: Date | null;
  paused_until: Date | null;
  cancel_at_period_end: boolean;
  cancelled_at: Date | null;
  payment_provider: 'stripe' | 'offline';
  stripe_customer_id: string | null;
  stripe_subscription_id: string | null;
  stripe_subscription_schedule_id: string | null;
  instalments: number;
  created_at: Date;
  updated_at: Date;
}

export type NewSubscription = Pick<
  SubscriptionRow,
  | 'package_id'
  | 'customer_id'
  | 'flex_credits_remaining'
  | 'price_minor'
  | 'currency'
  | 'starts_at'
  | 'ends_at'
  | 'auto_renew'
  | 'renews_at'
  | 'payment_provider'
  | 'instalments'
>;

export type SubscriptionPatch = Partial<
  Omit<SubscriptionRow, 'id' | 'tenant_id' | 'customer_id' | 'created_at' | 'updated_at'>
>;

const fromRow = (row: SubscriptionRow): SubscriptionRow => ({ ...row, currency: row.currency.trim() });

export async function insertSubscription(tx: Tx, tenantId: string, input: NewSubscription): Promise<SubscriptionRow> {
  const [row] = await tx<SubscriptionRow>('season_subscriptions')
    .insert({ tenant_id: tenantId, ...input })
    .returning('*');
  return fromRow(row);
}

export async function getSubscription(tx: Tx, id: number, forUpdate = false): Promise<SubscriptionRow | undefined> {
  const q = tx<SubscriptionRow>('season_subscriptions').where({ id }).first();
  if (forUpdate) q.forUpdate();
  const row = await q;
  return row && fromRow(row);
}

export async function listSubscriptions(
  tx: Tx,
  filter: {
    limit: number;
    after?: number;
    customer_id?: number;
    package_id?: number;
    status?: SubscriptionStatus;
  },
): Promise<SubscriptionRow[]> {
  const q = tx<SubscriptionRow>('season_subscriptions').orderBy('id').limit(filter.limit);
  if (filter.after) q.where('id', '>', filter.after);
  if (filter.customer_id) q.where({ customer_id: filter.customer_id });
  if (filter.package_id) q.where({ package_id: filter.package_id });
  if (filter.status) q.where({ status: filter.status });
  return (await q).map(fromRow);
}

export async function updateSubscription(tx: Tx, id: number, patch: SubscriptionPatch): Promise<SubscriptionRow> {
  const [row] = await tx<SubscriptionRow>('season_subscriptions')
    .where({ id })
    .update({ ...patch, updated_at: tx.fn.now() })
    .returning('*');
  return fromRow(row);
}

/** The customer's name and e-mail for the payment provider (row-level security keeps other tenants' customers out). */
export async function customerContact(
  tx: Tx,
  customerId: number,
): Promise<{ email: string; name: string } | undefined> {
  return tx('customers').where({ id: customerId }).first('email', 'name');
}
