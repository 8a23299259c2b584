/**
 * Segment rules: the proposal's segment-builder JSON (`{ conditions: [{ field, operator, value }],
 * match: 'all' | 'any' }`) extended with nested groups (`{ all: [...] }`, `{ any: [...] }`,
 * `{ not: cond }` or a nested `{ conditions, match }`). Validation turns untrusted JSON into a
 * typed tree whose fields and values are known-good, with every error's JSON path; the SQL
 * compiler (db/crm/segment-sql.ts) only ever sees that tree. Pure: no I/O.
 */

export const OPERATORS = [
  '=',
  '!=',
  '>',
  '>=',
  '<',
  '<=',
  'within',
  'not_within',
  'includes',
  'excludes',
  'exists',
] as const;
export type Operator = (typeof OPERATORS)[number];

/**
 * How a field's values compare:
 * - `count`/`money`: numbers where a customer without metrics counts as 0 (`money` is given in
 *   major units and stored in minor units);
 * - `number`: a score or probability, unknown (null) until computed;
 * - `text`, `enum`: strings (`includes`/`excludes` mean "one of"/"none of" the given values);
 * - `timestamp`, `date`: instants and calendar dates;
 * - `array`: a set of strings (tags, categories): `includes` any of the values, `excludes` none.
 */
export type FieldKind = 'count' | 'money' | 'number' | 'text' | 'enum' | 'boolean' | 'timestamp' | 'date' | 'array';

export interface FieldSpec {
  kind: FieldKind;
  /** The column, as `c.<col>` (customers) or `m.<col>` (customer_metrics); a whitelist, never input. */
  column: string;
  /** For fields that mean a count with numeric operators and a set with includes/excludes. */
  arrayColumn?: string;
  values?: readonly string[];
  /** Compared case-insensitively (stored lower-cased). */
  lowercase?: boolean;
  doc: string;
}

export const CHURN_RISKS = ['low', 'medium', 'high'] as const;

/** Every field a rule may name, with the column it reads. */
export const SEGMENT_FIELDS = {
  email: { kind: 'text', column: 'c.email', lowercase: true, doc: 'e-mail address' },
  name: { kind: 'text', column: 'c.name', doc: 'full name' },
  country: { kind: 'text', column: 'c.country', doc: 'country code' },
  city: { kind: 'text', column: 'c.city', doc: 'city' },
  birthday: { kind: 'date', column: 'c.birthday', doc: 'date of birth (YYYY-MM-DD)' },
  tags: { kind: 'array', column: 'c.tags', doc: "the customer's tags" },
  marketing_consent: { kind: 'boolean', column: 'c.marketing_consent', doc: 'current marketing consent' },
  created_at: { kind: 'timestamp', column: 'c.created_at', doc: 'when the customer was created' },
  total_orders: { kind: 'count', column: 'm.total_orders', doc: 'paid orders' },
  total_spent: { kind: 'money', column: 'm.total_spent_minor', doc: 'total spend, major units' },
  avg_order_value: { kind: 'money', column: 'm.avg_order_value_minor', doc: 'average order value, major units' },
  first_purchase_at: { kind: 'timestamp', column: 'm.first_purchase_at', doc: 'first purchase' },
  last_purchase_at: { kind: 'timestamp', column: 'm.last_purchase_at', doc: 'last purchase' },
  events_attended: {
    kind: 'count',
    column: 'm.events_attended',
    arrayColumn: 'm.attended_categories',
    doc: 'events checked in to (a number), or with includes/excludes the categories of those events',
  },
  attended_categories: { kind: 'array', column: 'm.attended_categories', doc: 'categories of events attended' },
  purchased_categories: { kind: 'array', column: 'm.purchased_categories', doc: 'categories of events bought' },
  no_shows: { kind: 'count', column: 'm.no_shows', doc: 'tickets bought but never checked in' },
  emails_opened: { kind: 'count', column: 'm.emails_opened', doc: 'marketing e-mails opened' },
  emails_clicked: { kind: 'count', column: 'm.emails_clicked', doc: 'marketing e-mails clicked' },
  last_opened_at: { kind: 'timestamp', column: 'm.last_opened_at', doc: 'last e-mail open' },
  last_clicked_at: { kind: 'timestamp', column: 'm.last_clicked_at', doc: 'last e-mail click' },
  rfm_score: { kind: 'number', column: 'm.rfm_score', doc: 'RFM score (e.g. 555 best)' },
  r_score: { kind: 'number', column: 'm.r_score', doc: 'recency quintile 1-5' },
  f_score: { kind: 'number', column: 'm.f_score', doc: 'frequency quintile 1-5' },
  m_score: { kind: 'number', column: 'm.m_score', doc: 'monetary quintile 1-5' },
  lifetime_value: { kind: 'money', column: 'm.lifetime_value_minor', doc: 'predicted lifetime value, major units' },
  predicted_purchases_365d: { kind: 'number', column: 'm.predicted_purchases_365d', doc: 'expected purchases' },
  churn_risk: { kind: 'enum', column: 'm.churn_risk', values: CHURN_RISKS, doc: 'low, medium or high' },
  churn_probability: { kind: 'number', column: 'm.churn_probability', doc: 'probability of churn 0-1' },
} as const satisfies Record<string, FieldSpec>;

export type SegmentField = keyof typeof SEGMENT_FIELDS;
export const FIELD_NAMES = Object.keys(SEGMENT_FIELDS) as SegmentField[];

const COMPARE = ['=', '!=', '>', '>=', '<', '<=', 'exists'] as const;
/** Which operators each kind of field takes. */
export const OPERATORS_BY_KIND: Record<FieldKind, readonly Operator[]> = {
  count: COMPARE,
  money: COMPARE,
  number: COMPARE,
  text: ['=', '!=', 'includes', 'excludes', 'exists'],
  enum: ['=', '!=', 'includes', 'excludes', 'exists'],
  boolean: ['=', '!=', 'exists'],
  timestamp: [...COMPARE, 'within', 'not_within'],
  date: COMPARE,
  array: ['includes', 'excludes', 'exists'],
};

export function operatorsFor(field: SegmentField): readonly Operator[] {
  const spec: FieldSpec = SEGMENT_FIELDS[field];
  return spec.arrayColumn ? [...OPERATORS_BY_KIND[spec.kind], 'includes', 'excludes'] : OPERATORS_BY_KIND[spec.kind];
}

export const MAX_DEPTH = 6;
export const MAX_CONDITIONS = 100;
export const MAX_VALUES = 100;
const MAX_STRING = 200;
const MAX_MAJOR = 10_000_000_000;

/** A duration such as "90 days", normalised for a Postgres interval. */
export interface Duration {
  amount: number;
  unit: 'minutes' | 'hours' | 'days' | 'weeks' | 'months' | 'years';
}

export type LeafValue =
  | { type: 'number'; value: number }
  | { type: 'text'; value: string }
  | { type: 'texts'; value: string[] }
  | { type: 'boolean'; value: boolean }
  | { type: 'instant'; value: string }
  | { type: 'date'; value: string }
  | { type: 'duration'; value: Duration };

/** A validated rule: only whitelisted fields, only the operators they take, values of the right type. */
export type RuleNode =
  | { kind: 'group'; match: 'all' | 'any'; children: RuleNode[] }
  | { kind: 'not'; child: RuleNode }
  | { kind: 'condition'; field: SegmentField; operator: Operator; value: LeafValue };

export interface RuleError {
  path: string;
  code: string;
  message: string;
}

export type ValidationResult = { ok: true; rule: RuleNode } | { ok: false; errors: RuleError[] };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const DURATION = /^\s*(\d{1,6})\s*(minute|hour|day|week|month|year)s?\s*$/i;
const DURATION_LIMIT_DAYS = 100 * 366;
const DAYS_PER: Record<Duration['unit'], number> = {
  minutes: 1 / 1440,
  hours: 1 / 24,
  days: 1,
  weeks: 7,
  months: 31,
  years: 366,
};

export function parseDuration(text: string): Duration | undefined {
  const m = DURATION.exec(text);
  if (!m) return undefined;
  const amount = Number(m[1]);
  const unit = `${m[2].toLowerCase()}s` as Duration['unit'];
  if (amount < 1 || amount * DAYS_PER[unit] > DURATION_LIMIT_DAYS) return undefined;
  return { amount, unit };
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})$/;

function validDate(text: string): boolean {
  const m = ISO_DATE.exec(text);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.getUTCFullYear() === Number(m[1]) && d.getUTCMonth() === Number(m[2]) - 1 && d.getUTCDate() === Number(m[3]);
}

class Validator {
  readonly errors: RuleError[] = [];
  conditions = 0;

  fail(path: string, code: string, message: string): undefined {
    this.errors.push({ path, code, message });
    return undefined;
  }

  group(node: Record<string, unknown>, path: string, depth: number): RuleNode | undefined {
    const extra = Object.keys(node).filter((k) => k !== 'conditions' && k !== 'match');
    for (const k of extra) this.fail(`${path}.${k}`, 'unknown_key', 'a group has only `conditions` and `match`');
    let match: 'all' | 'any' = 'all';
    if (node.match !== undefined) {
      if (node.match === 'all' || node.match === 'any') match = node.match;
      else this.fail(`${path}.match`, 'invalid_match', 'match is "all" or "any"');
    }
    const children = this.list(node.conditions, `${path}.conditions`, depth);
    return children && { kind: 'group', match, children };
  }

  list(value: unknown, path: string, depth: number): RuleNode[] | undefined {
    if (!Array.isArray(value)) return this.fail(path, 'invalid_type', 'a list of conditions');
    if (value.length === 0) return this.fail(path, 'empty_group', 'at least one condition');
    if (value.length > MAX_CONDITIONS)
      return this.fail(path, 'too_many_conditions', `at most ${MAX_CONDITIONS} conditions`);
    const out: RuleNode[] = [];
    value.forEach((c, i) => {
      const node = this.node(c, `${path}[${i}]`, depth + 1);
      if (node) out.push(node);
    });
    return out.length === value.length ? out : undefined;
  }

  node(value: unknown, path: string, depth: number): RuleNode | undefined {
    if (depth > MAX_DEPTH) return this.fail(path, 'too_deep', `groups nest at most ${MAX_DEPTH} levels`);
    if (!isObject(value))
      return this.fail(path, 'invalid_type', 'a condition {field, operator, value} or a group {all}, {any}, {not}');
    const keys = Object.keys(value);
    const only = (key: string): boolean => {
      for (const k of keys)
        if (k !== key) this.fail(`${path}.${k}`, 'unknown_key', `a \`${key}\` group has no other keys`);
      return keys.length === 1;
    };
    if ('all' in value || 'any' in value) {
      const match = 'all' in value ? 'all' : 'any';
      if (!only(match)) return undefined;
      const children = this.list(value[match], `${path}.${match}`, depth);
      return children && { kind: 'group', match, children };
    }
    if ('not' in value) {
      if (!only('not')) return undefined;
      const child = this.node(value.not, `${path}.not`, depth + 1);
      return child && { kind: 'not', child };
    }
    if ('conditions' in value) return this.group(value, path, depth);
    return this.condition(value, path);
  }

  condition(value: Record<string, unknown>, path: string): RuleNode | undefined {
    if (++this.conditions > MAX_CONDITIONS)
      return this.fail(path, 'too_many_conditions', `a rule has at most ${MAX_CONDITIONS} conditions`);
    for (const k of Object.keys(value))
      if (k !== 'field' && k !== 'operator' && k !== 'value')
        this.fail(`${path}.${k}`, 'unknown_key', 'a condition has only `field`, `operator` and `value`');
    const { field, operator } = value;
    if (typeof field !== 'string' || !(field in SEGMENT_FIELDS))
      return this.fail(`${path}.field`, 'unknown_field', `field must be one of: ${FIELD_NAMES.join(', ')}`);
    const name = field as SegmentField;
    const allowed = operatorsFor(name);
    if (typeof operator !== 'string' || !(allowed as readonly string[]).includes(operator))
      return this.fail(
        `${path}.operator`,
        (OPERATORS as readonly string[]).includes(String(operator)) ? 'operator_not_allowed' : 'unknown_operator',
        `${name} takes the operators: ${allowed.join(' ')}`,
      );
    const op = operator as Operator;
    const leaf = this.value(name, op, value.value, `${path}.value`);
    return leaf && { kind: 'condition', field: name, operator: op, value: leaf };
  }

  value(field: SegmentField, op: Operator, v: unknown, path: string): LeafValue | undefined {
    const spec: FieldSpec = SEGMENT_FIELDS[field];
    if (op === 'exists') {
      return typeof v === 'boolean'
        ? { type: 'boolean', value: v }
        : this.fail(path, 'invalid_value', 'exists takes true or false');
    }
    if (op === 'within' || op === 'not_within') {
      const d = typeof v === 'string' ? parseDuration(v) : undefined;
      return d
        ? { type: 'duration', value: d }
        : this.fail(
            path,
            'invalid_duration',
            'a duration such as "90 days", "2 weeks" or "12 hours" (up to 100 years)',
          );
    }
    if (op === 'includes' || op === 'excludes') {
      const list = typeof v === 'string' ? [v] : v;
      const ok =
        Array.isArray(list) &&
        list.length > 0 &&
        list.length <= MAX_VALUES &&
        list.every((s) => typeof s === 'string' && s.length > 0 && s.length <= MAX_STRING);
      if (!ok)
        return this.fail(path, 'invalid_value', `a string or a list of 1-${MAX_VALUES} strings (each 1-${MAX_STRING})`);
      const strings = (list as string[]).map((s) => (spec.lowercase ? s.toLowerCase() : s));
      if (spec.values && strings.some((s) => !spec.values?.includes(s)))
        return this.fail(path, 'invalid_value', `values are among: ${spec.values.join(', ')}`);
      return { type: 'texts', value: [...new Set(strings)] };
    }
    switch (spec.kind) {
      case 'count':
      case 'money':
      case 'number': {
        if (typeof v !== 'number' || !Number.isFinite(v) || Math.abs(v) > MAX_MAJOR)
          return this.fail(path, 'invalid_value', 'a number');
        if (spec.kind === 'money') return { type: 'number', value: Math.round(v * 100) };
        return { type: 'number', value: v };
      }
      case 'text':
      case 'enum': {
        if (typeof v !== 'string' || v.length > MAX_STRING)
          return this.fail(path, 'invalid_value', `a string of at most ${MAX_STRING} characters`);
        if (spec.values && !spec.values.includes(v))
          return this.fail(path, 'invalid_value', `one of: ${spec.values.join(', ')}`);
        return { type: 'text', value: spec.lowercase ? v.toLowerCase() : v };
      }
      case 'boolean':
        return typeof v === 'boolean'
          ? { type: 'boolean', value: v }
          : this.fail(path, 'invalid_value', 'true or false');
      case 'date':
        return typeof v === 'string' && validDate(v)
          ? { type: 'date', value: v }
          : this.fail(path, 'invalid_value', 'a date YYYY-MM-DD');
      case 'timestamp': {
        if (typeof v === 'string' && validDate(v)) return { type: 'instant', value: `${v}T00:00:00Z` };
        if (typeof v === 'string' && ISO_INSTANT.test(v) && !Number.isNaN(Date.parse(v)))
          return { type: 'instant', value: v };
        return this.fail(path, 'invalid_value', 'an ISO 8601 date-time with offset, or a date YYYY-MM-DD');
      }
      case 'array':
        return this.fail(path, 'invalid_value', 'arrays take includes, excludes or exists');
    }
  }
}

/**
 * Validates untrusted rule JSON. Paths are JSON paths from `root` (`rules.conditions[2].operator`);
 * every error is reported, not only the first.
 */
export function validateSegmentRules(input: unknown, root = 'rules'): ValidationResult {
  const v = new Validator();
  let rule: RuleNode | undefined;
  if (!isObject(input)) v.fail(root, 'invalid_type', 'an object {conditions: [...], match: "all" | "any"}');
  else if (!('conditions' in input)) v.fail(`${root}.conditions`, 'required', 'a list of conditions');
  else rule = v.group(input, root, 0);
  if (v.errors.length || !rule) return { ok: false, errors: v.errors };
  return { ok: true, rule };
}

/** Fields a rule reads, e.g. to know which changes can move customers in or out. */
export function fieldsOf(rule: RuleNode, out = new Set<SegmentField>()): Set<SegmentField> {
  if (rule.kind === 'condition') out.add(rule.field);
  else if (rule.kind === 'not') fieldsOf(rule.child, out);
  else for (const c of rule.children) fieldsOf(c, out);
  return out;
}

/** Whether the rule depends on the clock (within / not_within), so its members drift with time. */
export const isTimeRelative = (rule: RuleNode): boolean =>
  rule.kind === 'condition'
    ? rule.operator === 'within' || rule.operator === 'not_within'
    : rule.kind === 'not'
      ? isTimeRelative(rule.child)
      : rule.children.some(isTimeRelative);

/** The proposal's example: spent at least 500, bought in the last 90 days, attended concerts or festivals. */
export const PROPOSAL_EXAMPLE_RULE = {
  conditions: [
    { field: 'total_spent', operator: '>=', value: 500 },
    { field: 'last_purchase_at', operator: 'within', value: '90 days' },
    { field: 'events_attended', operator: 'includes', value: ['concerts', 'festivals'] },
  ],
  match: 'all',
} as const;
