import type { Knex } from 'knex';
import type { Tx } from '../connection';
import {
  SEGMENT_FIELDS,
  type FieldSpec,
  type LeafValue,
  type Operator,
  type RuleNode,
  type SegmentField,
} from '../../domain/crm/segment-rules';

/**
 * The segment compiler: a validated rule (domain/crm/segment-rules.ts) becomes ONE parameterised
 * predicate over `customers c left join customer_metrics m`. Columns come from the whitelist in
 * SEGMENT_FIELDS, every value is a binding; nothing the tenant sent is ever spliced into SQL.
 *
 * Negation is pushed down to the conditions (De Morgan), and each condition has an explicit
 * positive and negative form that decide the missing case themselves: a customer without a
 * metrics row counts as 0 for counts and money and as unknown (never matching) for scores and
 * dates. So `not` is an exact complement (`!=` is `not =`, `excludes` is `not includes`,
 * `not_within` is `not within`: a customer who never bought is "not within 90 days"), and a
 * condition that the missing case cannot satisfy stays a plain indexable comparison.
 */
export interface Predicate {
  sql: string;
  bindings: Knex.RawBinding[];
}

const SQL_OPS: Partial<Record<Operator, string>> = { '=': '=', '>': '>', '>=': '>=', '<': '<', '<=': '<=' };

function compare(a: number, op: Operator, b: number): boolean {
  switch (op) {
    case '=':
      return a === b;
    case '>':
      return a > b;
    case '>=':
      return a >= b;
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    default:
      return false;
  }
}

const CAST: Record<LeafValue['type'], string> = {
  number: '::numeric',
  text: '::text',
  texts: '::text[]',
  boolean: '::boolean',
  instant: '::timestamptz',
  date: '::date',
  duration: '::interval',
};

const durationText = (v: LeafValue): string =>
  v.type === 'duration' ? `${v.value.amount} ${v.value.unit}` : String(v.value);

/** `expr` is true or false whenever `column` is not null; `nullMatches` says what a missing value does. */
interface Leaf {
  column: string;
  expr: string;
  bindings: Knex.RawBinding[];
  nullMatches: boolean;
  /** The operator is the negation of the one compiled (`!=`, `excludes`, `not_within`, exists false). */
  flip: boolean;
}

function leafOf(field: SegmentField, operator: Operator, value: LeafValue): Leaf {
  const spec: FieldSpec = SEGMENT_FIELDS[field];
  const setOp = operator === 'includes' || operator === 'excludes';
  const column = setOp && spec.arrayColumn ? spec.arrayColumn : spec.column;
  const isArray = spec.kind === 'array' || (setOp && !!spec.arrayColumn);
  const binding = value.type === 'duration' ? durationText(value) : value.value;
  switch (operator) {
    case 'exists':
      return {
        column,
        // An empty set is no value: `tags exists` means at least one tag.
        expr: isArray ? `cardinality(${column}) > 0` : 'true',
        bindings: [],
        nullMatches: false,
        flip: value.value === false,
      };
    case 'within':
    case 'not_within':
      return {
        column,
        expr: `${column} >= now() - ?::interval`,
        bindings: [binding],
        nullMatches: false,
        flip: operator === 'not_within',
      };
    case 'includes':
    case 'excludes':
      return {
        column,
        expr: isArray ? `${column} && ?::text[]` : `${column} = any(?::text[])`,
        bindings: [binding],
        nullMatches: false,
        flip: operator === 'excludes',
      };
    default: {
      const op = operator === '!=' ? '=' : operator;
      const defaultsToZero = spec.kind === 'count' || spec.kind === 'money';
      const nullMatches =
        defaultsToZero && value.type === 'number'
          ? compare(0, op, value.value)
          : spec.kind === 'boolean' && op === '='
            ? value.value === false // no recorded consent is no consent
            : false;
      return {
        column,
        // Integers compare as bigint so an index on an integer column serves the comparison.
        expr: `${column} ${SQL_OPS[op]} ?${value.type === 'number' && Number.isInteger(value.value) ? '::bigint' : CAST[value.type]}`,
        bindings: [binding],
        nullMatches,
        flip: operator === '!=',
      };
    }
  }
}

function compileNode(node: RuleNode, negated: boolean): Predicate {
  if (node.kind === 'not') return compileNode(node.child, !negated);
  if (node.kind === 'group') {
    const parts = node.children.map((c) => compileNode(c, negated));
    // not(all) = any(not), not(any) = all(not)
    const joiner = (node.match === 'all') !== negated ? ' and ' : ' or ';
    return { sql: `(${parts.map((p) => p.sql).join(joiner)})`, bindings: parts.flatMap((p) => p.bindings) };
  }
  const leaf = leafOf(node.field, node.operator, node.value);
  const positive = negated === leaf.flip;
  const { column, expr, bindings, nullMatches } = leaf;
  if (positive)
    return { sql: nullMatches ? `(${column} is null or ${expr})` : `(${column} is not null and ${expr})`, bindings };
  return {
    sql: nullMatches ? `(${column} is not null and not ${expr})` : `(${column} is null or not ${expr})`,
    bindings,
  };
}

/** The rule as one predicate over `c` (customers) and `m` (customer_metrics). */
export function compileSegmentRule(rule: RuleNode): Predicate {
  return compileNode(rule, false);
}

/**
 * `select <columns> from customers c left join customer_metrics m ... where <rule>`: the
 * tenant's customers matching the rule, erased customers never; `customerIds` narrows it to
 * those customers (per-customer re-evaluation).
 */
export function matchingCustomersSql(
  tenantId: string,
  rule: RuleNode,
  opts: { columns?: string; customerIds?: number[] } = {},
): Predicate {
  const where = compileSegmentRule(rule);
  const narrow = opts.customerIds ? ' and c.id = any(?::bigint[])' : '';
  return {
    sql:
      `select ${opts.columns ?? 'c.id'} from customers c ` +
      'left join customer_metrics m on m.tenant_id = c.tenant_id and m.customer_id = c.id ' +
      `where c.tenant_id = ? and c.erased_at is null${narrow} and ${where.sql}`,
    bindings: [tenantId, ...(opts.customerIds ? [opts.customerIds] : []), ...where.bindings],
  };
}

export interface PreviewRow {
  id: number;
  email: string;
  name: string;
}

/** How many customers match, and up to `sampleSize` of them (lowest ids), without saving anything. */
export async function previewSegment(
  tx: Tx,
  tenantId: string,
  rule: RuleNode,
  sampleSize = 20,
): Promise<{ count: number; sample: PreviewRow[] }> {
  const q = matchingCustomersSql(tenantId, rule);
  const {
    rows: [{ count }],
  } = await tx.raw<{ rows: { count: number }[] }>(`select count(*)::int as count from (${q.sql}) s`, q.bindings);
  const sampleQ = matchingCustomersSql(tenantId, rule, { columns: 'c.id, c.email, c.name' });
  const { rows: sample } = await tx.raw<{ rows: PreviewRow[] }>(`${sampleQ.sql} order by c.id limit ?`, [
    ...sampleQ.bindings,
    sampleSize,
  ]);
  return { count, sample };
}

export interface EvaluationResult {
  entered: number;
  exited: number;
  customerCount: number;
}

/**
 * Brings one segment's current members in line with its rule in ONE statement: inserts the
 * customers who now match (entries), sets `removed_at` on members who no longer do (exits),
 * writes `crm.segment_entered` / `crm.segment_exited` to the outbox set-based (one row per
 * customer, on the customer's own dispatch lane) and moves `customer_count` by the difference.
 * The caller holds the segment's row lock (`lockSegment`), so evaluations of one segment follow
 * each other and the count stays exact. `customerIds` limits both sides to those customers.
 */
export async function evaluateSegmentMembers(
  tx: Tx,
  tenantId: string,
  segmentId: number,
  rule: RuleNode,
  customerIds?: number[],
): Promise<EvaluationResult> {
  const matching = matchingCustomersSql(tenantId, rule, { customerIds });
  const narrow = customerIds ? ' and x.customer_id = any(?::bigint[])' : '';
  const event = (type: string, from: string) =>
    `insert into outbox (tenant_id, type, aggregate_type, aggregate_id, payload)
     select ?, '${type}', 'customer', customer_id::text,
            jsonb_build_object('segment_id', ?::bigint, 'customer_id', customer_id)
     from ${from}`;
  // One full join of who matches against who is a member gives both the entries and the exits.
  const sql = `
    with matching as (${matching.sql}),
    current_members as (
      select x.customer_id from customer_segment_members x
      where x.segment_id = ? and x.removed_at is null${narrow}
    ),
    diff as materialized (
      select mt.id as enter_id, cm.customer_id as exit_id
      from matching mt full join current_members cm on cm.customer_id = mt.id
      where mt.id is null or cm.customer_id is null
    ),
    entered as (
      insert into customer_segment_members (tenant_id, segment_id, customer_id)
      select ?, ?, d.enter_id from diff d where d.enter_id is not null
      on conflict (segment_id, customer_id) where removed_at is null do nothing
      returning customer_id
    ),
    exited as (
      update customer_segment_members x set removed_at = now()
      from diff d
      where x.segment_id = ? and x.removed_at is null and x.customer_id = d.exit_id
      returning x.customer_id
    ),
    entered_events as (${event('crm.segment_entered', 'entered')}),
    exited_events as (${event('crm.segment_exited', 'exited')}),
    counts as (select (select count(*) from entered)::int as entered, (select count(*) from exited)::int as exited),
    segment as (
      update customer_segments s
      set customer_count = s.customer_count + counts.entered - counts.exited, last_evaluated_at = now()
      from counts where s.id = ?
      returning s.customer_count
    )
    select counts.entered, counts.exited, segment.customer_count from counts, segment`;
  const bindings: Knex.RawBinding[] = [
    ...matching.bindings,
    segmentId,
    ...(customerIds ? [customerIds] : []),
    tenantId,
    segmentId,
    segmentId,
    tenantId,
    segmentId,
    tenantId,
    segmentId,
    segmentId,
  ];
  const { rows } = await tx.raw<{ rows: { entered: number; exited: number; customer_count: number }[] }>(sql, bindings);
  const row = rows[0];
  if (!row) throw new Error(`customer segment ${segmentId} not found`);
  return { entered: row.entered, exited: row.exited, customerCount: row.customer_count };
}

/** Whether one customer matches the rule now (the rule itself, not the recorded membership). */
export async function customerMatches(tx: Tx, tenantId: string, rule: RuleNode, customerId: number): Promise<boolean> {
  const q = matchingCustomersSql(tenantId, rule, { customerIds: [customerId] });
  const { rows } = await tx.raw<{ rows: unknown[] }>(q.sql, q.bindings);
  return rows.length > 0;
}
