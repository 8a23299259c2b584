import type { Tx } from '../connection';
import type { RuleConditions, RuleType } from '../../domain/upsells/offers';

export interface UpsellRuleRow {
  id: number;
  tenant_id: string;
  product_id: number;
  rule_type: RuleType;
  conditions: RuleConditions;
  priority: number;
  created_at: Date;
}

export interface RuleInput {
  product_id: number;
  rule_type: RuleType;
  conditions: RuleConditions;
  priority: number;
}

export async function insertRule(tx: Tx, tenantId: string, input: RuleInput): Promise<UpsellRuleRow> {
  const [row] = await tx('upsell_rules')
    .insert({ ...input, conditions: JSON.stringify(input.conditions), tenant_id: tenantId })
    .returning('*');
  return row;
}

export async function getRule(tx: Tx, id: number): Promise<UpsellRuleRow | undefined> {
  return tx<UpsellRuleRow>('upsell_rules').where({ id }).first();
}

export async function listRules(
  tx: Tx,
  opts: { limit: number; after?: number; productId?: number },
): Promise<UpsellRuleRow[]> {
  const q = tx<UpsellRuleRow>('upsell_rules')
    .where('id', '>', opts.after ?? 0)
    .orderBy('id')
    .limit(opts.limit);
  if (opts.productId) q.andWhere({ product_id: opts.productId });
  return q;
}

export async function updateRule(
  tx: Tx,
  id: number,
  patch: Partial<Omit<RuleInput, 'product_id'>>,
): Promise<UpsellRuleRow | undefined> {
  const changes = { ...patch, ...(patch.conditions ? { conditions: JSON.stringify(patch.conditions) } : {}) };
  const [row] = await tx('upsell_rules').where({ id }).update(changes).returning('*');
  return row;
}

export async function deleteRule(tx: Tx, id: number): Promise<UpsellRuleRow | undefined> {
  const [row] = await tx<UpsellRuleRow>('upsell_rules').where({ id }).delete().returning('*');
  return row;
}

/** How many of `ids` are CRM segments of the tenant. */
export async function countSegments(tx: Tx, ids: number[]): Promise<number> {
  const [row] = await tx('customer_segments').whereIn('id', ids).count<{ count: string }[]>('* as count');
  return Number(row.count);
}

/** How many of `ids` are ticket types of the tenant. */
export async function countTicketTypes(tx: Tx, ids: number[]): Promise<number> {
  const [row] = await tx('ticket_types').whereIn('id', ids).count<{ count: string }[]>('* as count');
  return Number(row.count);
}
