import type { Tx } from '../connection';
import type { RuleNode } from '../../domain/crm/segment-rules';
import { validateSegmentRules } from '../../domain/crm/segment-rules';
import { evaluateSegmentMembers, type EvaluationResult } from './segment-sql';

export interface SegmentRow {
  id: number;
  tenant_id: string;
  name: string;
  description: string | null;
  /** The rule JSON as the tenant sent it (validated before it was saved). */
  rules: unknown;
  customer_count: number;
  is_dynamic: boolean;
  refresh_interval_s: number;
  last_evaluated_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export interface SegmentInput {
  name: string;
  description?: string | null;
  rules: unknown;
  is_dynamic?: boolean;
  refresh_interval_s?: number;
}

/** The stored rule as a tree; it was validated when saved, so failing here is a bug, not bad input. */
export function ruleOf(segment: Pick<SegmentRow, 'id' | 'rules'>): RuleNode {
  const result = validateSegmentRules(segment.rules);
  if (!result.ok) throw new Error(`segment ${segment.id} holds an invalid rule: ${JSON.stringify(result.errors)}`);
  return result.rule;
}

export async function insertSegment(tx: Tx, tenantId: string, input: SegmentInput): Promise<SegmentRow> {
  const [row] = await tx<SegmentRow>('customer_segments')
    .insert({
      tenant_id: tenantId,
      name: input.name,
      description: input.description ?? null,
      rules: JSON.stringify(input.rules),
      is_dynamic: input.is_dynamic ?? true,
      ...(input.refresh_interval_s ? { refresh_interval_s: input.refresh_interval_s } : {}),
    })
    .returning('*');
  return row;
}

export async function getSegment(tx: Tx, id: number): Promise<SegmentRow | undefined> {
  return tx<SegmentRow>('customer_segments').where({ id }).first();
}

/** Takes the segment's row lock: evaluations of one segment run one after another. */
export async function lockSegment(tx: Tx, id: number): Promise<SegmentRow | undefined> {
  return tx<SegmentRow>('customer_segments').where({ id }).forUpdate().first();
}

export async function listSegments(tx: Tx, opts: { limit: number; after?: number }): Promise<SegmentRow[]> {
  return tx<SegmentRow>('customer_segments')
    .where('id', '>', opts.after ?? 0)
    .orderBy('id')
    .limit(opts.limit);
}

export async function updateSegment(
  tx: Tx,
  id: number,
  patch: Partial<Omit<SegmentInput, 'rules'>> & { rules?: unknown },
): Promise<SegmentRow | undefined> {
  const changes: Record<string, unknown> = {};
  if (patch.name !== undefined) changes.name = patch.name;
  if (patch.description !== undefined) changes.description = patch.description;
  if (patch.rules !== undefined) changes.rules = JSON.stringify(patch.rules);
  if (patch.is_dynamic !== undefined) changes.is_dynamic = patch.is_dynamic;
  if (patch.refresh_interval_s !== undefined) changes.refresh_interval_s = patch.refresh_interval_s;
  const [row] = await tx<SegmentRow>('customer_segments')
    .where({ id })
    .update({ ...changes, updated_at: tx.fn.now() })
    .returning('*');
  return row;
}

/** Deletes the segment with its membership history and sizes; false when there was none. */
export async function deleteSegment(tx: Tx, id: number): Promise<boolean> {
  return (await tx('customer_segments').where({ id }).delete()) > 0;
}

/**
 * Re-evaluates one segment (dynamic, or a static one taking a new snapshot) under its row lock;
 * undefined when it does not exist.
 */
export async function evaluateSegment(
  tx: Tx,
  tenantId: string,
  id: number,
  opts: { customerIds?: number[] } = {},
): Promise<(EvaluationResult & { segment: SegmentRow }) | undefined> {
  const segment = await lockSegment(tx, id);
  if (!segment) return undefined;
  const result = await evaluateSegmentMembers(tx, tenantId, id, ruleOf(segment), opts.customerIds);
  return { ...result, segment: { ...segment, customer_count: result.customerCount } };
}

/** Records a point of the segment's size over time. */
export async function recordSegmentSize(tx: Tx, tenantId: string, segmentId: number, size: number): Promise<void> {
  await tx('customer_segment_sizes')
    .insert({ tenant_id: tenantId, segment_id: segmentId, size, at: tx.fn.now() })
    .onConflict(['segment_id', 'at'])
    .merge();
}

export interface SizePoint {
  at: Date;
  size: number;
}

export async function segmentSizes(tx: Tx, segmentId: number, limit = 500): Promise<SizePoint[]> {
  const rows = await tx<SizePoint & { segment_id: number }>('customer_segment_sizes')
    .where({ segment_id: segmentId })
    .orderBy('at', 'desc')
    .limit(limit)
    .select('at', 'size');
  return rows.reverse();
}

export interface MemberRow {
  id: number;
  customer_id: number;
  email: string;
  name: string;
  added_at: Date;
  removed_at: Date | null;
}

/** Current members (or, with `includeRemoved`, every stay in the segment), by membership id. */
export async function listSegmentMembers(
  tx: Tx,
  segmentId: number,
  opts: { limit: number; after?: number; includeRemoved?: boolean },
): Promise<MemberRow[]> {
  const q = tx('customer_segment_members as x')
    .join('customers as c', 'c.id', 'x.customer_id')
    .where('x.segment_id', segmentId)
    .andWhere('x.id', '>', opts.after ?? 0)
    .orderBy('x.id')
    .limit(opts.limit)
    .select('x.id', 'x.customer_id', 'c.email', 'c.name', 'x.added_at', 'x.removed_at');
  if (!opts.includeRemoved) q.whereNull('x.removed_at');
  return q;
}

export interface SegmentRevenue {
  currency: string;
  /** Lifetime spend of current members (from customer_metrics). */
  total_spent_minor: number;
  /** Paid orders of current members in the last 30 and 90 days, in minor units. */
  revenue_30d_minor: number;
  revenue_90d_minor: number;
  orders_30d: number;
  orders_90d: number;
}

/** Revenue of the segment's current members per currency: lifetime spend and paid orders of the last 30/90 days. */
export async function segmentRevenue(tx: Tx, segmentId: number): Promise<SegmentRevenue[]> {
  const { rows } = await tx.raw<{ rows: SegmentRevenue[] }>(
    `with members as (
       select customer_id from customer_segment_members where segment_id = ? and removed_at is null
     ),
     spent as (
       select trim(m.currency) as currency, sum(m.total_spent_minor)::bigint as total
       from members x join customer_metrics m on m.customer_id = x.customer_id
       where m.currency is not null
       group by 1
     ),
     recent as (
       select trim(o.currency) as currency,
         coalesce(sum(o.total_minor) filter (where o.paid_at >= now() - interval '30 days'), 0)::bigint as r30,
         sum(o.total_minor)::bigint as r90,
         (count(*) filter (where o.paid_at >= now() - interval '30 days'))::int as o30,
         count(*)::int as o90
       from members x join orders o on o.customer_id = x.customer_id
       where o.status = 'paid' and o.paid_at >= now() - interval '90 days'
       group by 1
     )
     select coalesce(s.currency, r.currency) as currency, coalesce(s.total, 0) as total_spent_minor,
            coalesce(r.r30, 0) as revenue_30d_minor, coalesce(r.r90, 0) as revenue_90d_minor,
            coalesce(r.o30, 0) as orders_30d, coalesce(r.o90, 0) as orders_90d
     from spent s full join recent r on r.currency = s.currency
     order by 1`,
    [segmentId],
  );
  return rows;
}

/** The tenant's dynamic segments, for re-evaluating them when a customer's data changes. */
export async function dynamicSegmentIds(tx: Tx): Promise<number[]> {
  return (await tx('customer_segments').where({ is_dynamic: true }).orderBy('id').pluck('id')) as number[];
}
