import type { Tx } from '../connection';
import { NO_POLICY, PolicyRules } from '../../domain/refunds/policy';

export interface PolicyRow {
  id: number;
  event_id: number | null;
  name: string;
  rules: PolicyRules;
  is_default: boolean;
  created_at: Date;
  updated_at: Date;
}

/** The tenant default, the policy of events without their own. */
export async function getDefaultPolicy(tx: Tx): Promise<PolicyRow | undefined> {
  return tx<PolicyRow>('refund_policies').whereNull('event_id').first();
}

/** The event's own policy, else the tenant default, else none (everything goes to staff). */
export async function getEffectivePolicy(
  tx: Tx,
  eventId: number,
): Promise<{ rules: PolicyRules; policy?: PolicyRow; source: 'event' | 'default' | 'none' }> {
  const rows = await tx<PolicyRow>('refund_policies').where({ event_id: eventId }).orWhereNull('event_id');
  const policy = rows.find((r) => r.event_id === eventId) ?? rows.find((r) => r.event_id === null);
  if (!policy) return { rules: NO_POLICY, source: 'none' };
  return { rules: PolicyRules.parse(policy.rules), policy, source: policy.event_id === null ? 'default' : 'event' };
}

/**
 * Sets the event's policy (or the tenant default, for `eventId` null), replacing the previous one.
 * One upsert on the partial unique index, so concurrent first saves meet there instead of failing
 * on it; saving what is already there changes nothing, `updated_at` included.
 */
export async function savePolicy(
  tx: Tx,
  tenantId: string,
  eventId: number | null,
  input: { name: string; rules: PolicyRules },
): Promise<PolicyRow> {
  const rules = JSON.stringify(input.rules);
  const [saved] = (await tx('refund_policies')
    .insert({ tenant_id: tenantId, event_id: eventId, name: input.name, rules })
    .onConflict(
      tx.raw(
        eventId === null ? '(tenant_id) where event_id is null' : '(tenant_id, event_id) where event_id is not null',
      ),
    )
    .merge({ name: input.name, rules, updated_at: tx.fn.now() })
    .whereRaw('(refund_policies.name, refund_policies.rules) is distinct from (excluded.name, excluded.rules)')
    .returning('*')) as PolicyRow[];
  if (saved) return saved;
  const unchanged =
    eventId === null ? getDefaultPolicy(tx) : tx<PolicyRow>('refund_policies').where({ event_id: eventId }).first();
  return (await unchanged) as PolicyRow;
}
