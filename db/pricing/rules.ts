import type { Tx } from '../connection';
import type { Strategy } from '../../domain/pricing/engine';

export interface PricingRuleRow {
  id: number;
  tenant_id: string;
  event_id: number;
  ticket_type_id: number;
  strategy: Strategy;
  /** The definition as the tenant sent it (validated before it was saved). */
  rules: Record<string, unknown>;
  priority: number;
  status: 'active' | 'paused';
  created_at: Date;
  updated_at: Date;
}

export interface RuleInput {
  ticketTypeId: number;
  eventId: number;
  strategy: Strategy;
  rules: Record<string, unknown>;
  priority: number;
  status: 'active' | 'paused';
}

export async function insertRule(tx: Tx, tenantId: string, input: RuleInput): Promise<PricingRuleRow> {
  const [row] = await tx<PricingRuleRow>('pricing_rules')
    .insert({
      tenant_id: tenantId,
      event_id: input.eventId,
      ticket_type_id: input.ticketTypeId,
      strategy: input.strategy,
      rules: JSON.stringify(input.rules) as unknown as Record<string, unknown>,
      priority: input.priority,
      status: input.status,
    })
    .returning('*');
  return row;
}

export async function getRule(tx: Tx, id: number): Promise<PricingRuleRow | undefined> {
  return tx<PricingRuleRow>('pricing_rules').where({ id }).first();
}

export async function listRules(
  tx: Tx,
  opts: { limit: number; after?: number; ticketTypeId?: number; eventId?: number },
): Promise<PricingRuleRow[]> {
  const q = tx<PricingRuleRow>('pricing_rules')
    .where('id', '>', opts.after ?? 0)
    .orderBy('id')
    .limit(opts.limit);
  if (opts.ticketTypeId) q.andWhere({ ticket_type_id: opts.ticketTypeId });
  if (opts.eventId) q.andWhere({ event_id: opts.eventId });
  return q;
}

export async function updateRule(
  tx: Tx,
  id: number,
  patch: { rules?: Record<string, unknown>; priority?: number; status?: 'active' | 'paused'; strategy?: Strategy },
): Promise<PricingRuleRow | undefined> {
  const changes: Record<string, unknown> = {};
  if (patch.strategy !== undefined) changes.strategy = patch.strategy;
  if (patch.rules !== undefined) changes.rules = JSON.stringify(patch.rules);
  if (patch.priority !== undefined) changes.priority = patch.priority;
  if (patch.status !== undefined) changes.status = patch.status;
  const [row] = await tx<PricingRuleRow>('pricing_rules')
    .where({ id })
    .update({ ...changes, updated_at: tx.fn.now() })
    .returning('*');
  return row;
}

export async function deleteRule(tx: Tx, id: number): Promise<PricingRuleRow | undefined> {
  const [row] = await tx<PricingRuleRow>('pricing_rules').where({ id }).delete().returning('*');
  return row;
}

/** The active rules of each ticket type, highest priority first. */
export async function activeRulesOf(tx: Tx, ticketTypeIds: number[]): Promise<Map<number, PricingRuleRow[]>> {
  const rows = await tx<PricingRuleRow>('pricing_rules')
    .whereIn('ticket_type_id', ticketTypeIds)
    .andWhere({ status: 'active' })
    .orderBy([{ column: 'ticket_type_id' }, { column: 'priority', order: 'desc' }, { column: 'id' }]);
  const out = new Map<number, PricingRuleRow[]>();
  for (const r of rows) out.set(r.ticket_type_id, [...(out.get(r.ticket_type_id) ?? []), r]);
  return out;
}

/** The tenant's ticket types with active demand rules in (after, until], by id (a demand sweep page). */
export async function demandTicketTypes(tx: Tx, after: number, until: number | null): Promise<number[]> {
  const q = tx('pricing_rules')
    .distinct('ticket_type_id')
    .where({ status: 'active', strategy: 'demand' })
    .andWhere('ticket_type_id', '>', after)
    .orderBy('ticket_type_id');
  if (until !== null) q.andWhere('ticket_type_id', '<=', until);
  const rows: { ticket_type_id: number }[] = await q;
  return rows.map((r) => Number(r.ticket_type_id));
}

/**
 * Where the demand sweep's pages start: 0 and every `pageSize`-th ticket type with active demand
 * rules (by id), so pages can run side by side; empty when there are none.
 */
export async function demandPageStarts(tx: Tx, pageSize: number): Promise<number[]> {
  const { rows } = await tx.raw<{ rows: { id: number; n: number; total: number }[] }>(
    `select id, n, total from (
       select ticket_type_id as id, row_number() over (order by ticket_type_id) as n, count(*) over () as total
         from (select distinct ticket_type_id from pricing_rules where status = 'active' and strategy = 'demand') d) x
      where n % ? = 0 or n = 1`,
    [pageSize],
  );
  if (!rows.length) return [];
  const total = Number(rows[0].total);
  return [0, ...rows.filter((r) => Number(r.n) % pageSize === 0 && Number(r.n) < total).map((r) => Number(r.id))];
}
