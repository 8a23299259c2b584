import {
  FIELD_NAMES,
  MAX_CONDITIONS,
  MAX_DEPTH,
  PROPOSAL_EXAMPLE_RULE,
  SEGMENT_FIELDS,
  fieldsOf,
  isTimeRelative,
  operatorsFor,
  parseDuration,
  validateSegmentRules,
  type RuleNode,
} from '../../domain/crm/segment-rules';
import { compileSegmentRule } from '../../db/crm/segment-sql';

const valid = (rules: unknown): RuleNode => {
  const r = validateSegmentRules(rules);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.rule;
};
const errors = (rules: unknown) => {
  const r = validateSegmentRules(rules);
  if (r.ok) throw new Error('expected errors');
  return r.errors;
};
const one = (c: unknown) => ({ conditions: [c] });

describe('segment rule validation', () => {
  it("accepts the proposal's example and converts money to minor units", () => {
    const rule = valid(PROPOSAL_EXAMPLE_RULE);
    expect(rule).toEqual({
      kind: 'group',
      match: 'all',
      children: [
        { kind: 'condition', field: 'total_spent', operator: '>=', value: { type: 'number', value: 50000 } },
        {
          kind: 'condition',
          field: 'last_purchase_at',
          operator: 'within',
          value: { type: 'duration', value: { amount: 90, unit: 'days' } },
        },
        {
          kind: 'condition',
          field: 'events_attended',
          operator: 'includes',
          value: { type: 'texts', value: ['concerts', 'festivals'] },
        },
      ],
    });
    expect([...fieldsOf(rule)]).toEqual(['total_spent', 'last_purchase_at', 'events_attended']);
    expect(isTimeRelative(rule)).toBe(true);
  });

  it('accepts nested all / any / not groups and nested {conditions, match}', () => {
    const rule = valid({
      match: 'any',
      conditions: [
        {
          all: [
            { field: 'country', operator: '=', value: 'DE' },
            { not: { field: 'tags', operator: 'includes', value: 'vip' } },
          ],
        },
        { conditions: [{ field: 'total_orders', operator: '>', value: 3 }], match: 'all' },
        { any: [{ field: 'marketing_consent', operator: '=', value: true }] },
      ],
    });
    expect(rule.kind).toBe('group');
    expect(isTimeRelative(rule)).toBe(false);
  });

  it('reports every bad condition with its JSON path and what is allowed', () => {
    const e = errors({
      conditions: [
        { field: 'total_spent', operator: '>=', value: 500 },
        { field: 'nope', operator: '=', value: 1 },
        { field: 'total_orders', operator: 'within', value: '9 days' },
        { any: [{ field: 'last_purchase_at', operator: 'within', value: 'ninety days' }] },
        { not: { field: 'country', operator: 'like', value: 'D%' } },
        { field: 'tags', operator: 'includes', value: [] },
        { field: 'churn_risk', operator: '=', value: 'extreme' },
        { field: 'email', operator: '=', value: 'a@b.c', extra: 1 },
      ],
      match: 'some',
    });
    expect(e.map((x) => [x.path, x.code])).toEqual([
      ['rules.match', 'invalid_match'],
      ['rules.conditions[1].field', 'unknown_field'],
      ['rules.conditions[2].operator', 'operator_not_allowed'],
      ['rules.conditions[3].any[0].value', 'invalid_duration'],
      ['rules.conditions[4].not.operator', 'unknown_operator'],
      ['rules.conditions[5].value', 'invalid_value'],
      ['rules.conditions[6].value', 'invalid_value'],
      ['rules.conditions[7].extra', 'unknown_key'],
    ]);
    expect(e[2].message).toContain('total_orders takes the operators: = != > >= < <= exists');
    expect(e[1].message).toContain('total_spent');
  });

  it('refuses non-objects, missing or empty condition lists, and a root prefix is kept', () => {
    expect(errors('x')[0]).toMatchObject({ path: 'rules', code: 'invalid_type' });
    expect(errors({})[0]).toMatchObject({ path: 'rules.conditions', code: 'required' });
    expect(errors({ conditions: [] })[0]).toMatchObject({ path: 'rules.conditions', code: 'empty_group' });
    expect(errors(one(7))[0]).toMatchObject({ path: 'rules.conditions[0]', code: 'invalid_type' });
    const r = validateSegmentRules({ conditions: [{ field: 'x' }] }, 'body.rules');
    expect(!r.ok && r.errors[0].path).toBe('body.rules.conditions[0].field');
    expect(errors(one({ all: [], any: [] })).map((x) => x.code)).toContain('unknown_key');
  });

  it('limits depth and size', () => {
    let node: unknown = { field: 'total_orders', operator: '>', value: 1 };
    for (let i = 0; i < MAX_DEPTH + 2; i++) node = { not: node };
    expect(errors(one(node)).map((x) => x.code)).toEqual(['too_deep']);
    const many = Array.from({ length: MAX_CONDITIONS + 1 }, () => ({ field: 'total_orders', operator: '>', value: 1 }));
    expect(errors({ conditions: many })[0].code).toBe('too_many_conditions');
    const split = { conditions: [{ all: many.slice(0, 60) }, { all: many.slice(0, 60) }] };
    expect(errors(split).map((x) => x.code)).toContain('too_many_conditions');
  });

  it('checks values by field kind', () => {
    const bad = [
      { field: 'total_orders', operator: '>', value: '3' },
      { field: 'birthday', operator: '<', value: '2001-02-30' },
      { field: 'created_at', operator: '>', value: 'yesterday' },
      { field: 'marketing_consent', operator: '=', value: 'yes' },
      { field: 'country', operator: 'exists', value: 'true' },
      { field: 'total_spent', operator: '>', value: Infinity },
      { field: 'last_purchase_at', operator: 'within', value: '200 years' },
    ];
    for (const c of bad) expect(errors(one(c))[0].path).toBe('rules.conditions[0].value');
    const ok = [
      { field: 'birthday', operator: '<', value: '2000-02-29' },
      { field: 'created_at', operator: '>', value: '2026-01-01' },
      { field: 'created_at', operator: '>', value: '2026-01-01T10:00:00+01:00' },
      { field: 'last_clicked_at', operator: 'not_within', value: '12 hours' },
      { field: 'country', operator: 'includes', value: 'DE' },
      { field: 'churn_risk', operator: 'excludes', value: ['low'] },
      { field: 'tags', operator: 'exists', value: false },
    ];
    for (const c of ok) valid(one(c));
  });

  it('parses durations', () => {
    expect(parseDuration('90 days')).toEqual({ amount: 90, unit: 'days' });
    expect(parseDuration('2 weeks')).toEqual({ amount: 2, unit: 'weeks' });
    expect(parseDuration(' 1 Hour ')).toEqual({ amount: 1, unit: 'hours' });
    expect(parseDuration('0 days')).toBeUndefined();
    expect(parseDuration('90 days; drop table')).toBeUndefined();
  });

  it('gives every field its operators', () => {
    for (const f of FIELD_NAMES) expect(operatorsFor(f).length).toBeGreaterThan(0);
    expect(operatorsFor('events_attended')).toEqual(expect.arrayContaining(['>=', 'includes', 'excludes']));
    expect(SEGMENT_FIELDS.total_spent.column).toBe('m.total_spent_minor');
  });
});

describe('segment rule compiler', () => {
  it("compiles the proposal's example to indexable, parameterised predicates", () => {
    const { sql, bindings } = compileSegmentRule(valid(PROPOSAL_EXAMPLE_RULE));
    expect(sql).toBe(
      '((m.total_spent_minor is not null and m.total_spent_minor >= ?::bigint) and ' +
        '(m.last_purchase_at is not null and m.last_purchase_at >= now() - ?::interval) and ' +
        '(m.attended_categories is not null and m.attended_categories && ?::text[]))',
    );
    expect(bindings).toEqual([50000, '90 days', ['concerts', 'festivals']]);
  });

  it('pushes not down so that a negation is the exact complement, missing metrics counting as 0', () => {
    const lt = compileSegmentRule(valid(one({ field: 'total_orders', operator: '<', value: 2 })));
    expect(lt.sql).toBe('((m.total_orders is null or m.total_orders < ?::bigint))');
    const not = compileSegmentRule(valid(one({ not: { field: 'total_orders', operator: '<', value: 2 } })));
    expect(not.sql).toBe('((m.total_orders is not null and not m.total_orders < ?::bigint))');
    const ne = compileSegmentRule(valid(one({ field: 'country', operator: '!=', value: 'DE' })));
    expect(ne.sql).toBe('((c.country is null or not c.country = ?::text))');
    const deMorgan = compileSegmentRule(
      valid(
        one({
          not: {
            any: [
              { field: 'tags', operator: 'includes', value: 'a' },
              { field: 'tags', operator: 'exists', value: true },
            ],
          },
        }),
      ),
    );
    expect(deMorgan.sql).toBe(
      '(((c.tags is null or not c.tags && ?::text[]) and (c.tags is null or not cardinality(c.tags) > 0)))',
    );
  });

  it('never puts a value into the SQL text', () => {
    const hostile = "x'); drop table customers; --";
    const { sql, bindings } = compileSegmentRule(
      valid({
        conditions: [
          { field: 'name', operator: '=', value: hostile },
          { field: 'tags', operator: 'includes', value: [hostile] },
        ],
      }),
    );
    expect(sql).not.toContain('drop');
    expect(bindings).toEqual([hostile, [hostile]]);
  });
});
