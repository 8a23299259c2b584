import type { Tx } from '../connection';
import type { RuleAction, RuleActionType } from '../../domain/surveys/feedback-rules';

export interface RuleRow {
  id: number;
  tenant_id: string;
  name: string;
  survey_id: number | null;
  enabled: boolean;
  nps_min: number | null;
  nps_max: number | null;
  actions: RuleAction[];
  created_at: Date;
  updated_at: Date;
}

export type RuleInput = Pick<RuleRow, 'name' | 'survey_id' | 'enabled' | 'nps_min' | 'nps_max' | 'actions'>;

// jsonb from a JSON string: an array bound as-is would be sent as a Postgres array.
const toRow = (r: Partial<RuleInput>) => ({ ...r, ...(r.actions ? { actions: JSON.stringify(r.actions) } : {}) });

export async function insertRule(tx: Tx, tenantId: string, input: RuleInput): Promise<RuleRow> {
  const [row]: RuleRow[] = await tx('survey_rules')
    .insert({ tenant_id: tenantId, ...toRow(input) })
    .returning('*');
  return row;
}

export async function getRule(tx: Tx, id: number): Promise<RuleRow | undefined> {
  return tx<RuleRow>('survey_rules').where({ id }).first();
}

export async function listRules(tx: Tx, opts: { limit: number; after?: number }): Promise<RuleRow[]> {
  const q = tx<RuleRow>('survey_rules').orderBy('id').limit(opts.limit);
  if (opts.after !== undefined) q.where('id', '>', opts.after);
  return q;
}

export async function updateRule(tx: Tx, id: number, patch: Partial<RuleInput>): Promise<RuleRow | undefined> {
  const [row]: RuleRow[] = await tx('survey_rules')
    .where({ id })
    .update({ ...toRow(patch), updated_at: tx.fn.now() })
    .returning('*');
  return row;
}

export async function deleteRule(tx: Tx, id: number): Promise<boolean> {
  return (await tx('survey_rules').where({ id }).delete()) > 0;
}

/** The tenant's enabled rules that could apply to a response of this survey. */
export async function enabledRulesFor(tx: Tx, surveyId: number): Promise<RuleRow[]> {
  return tx<RuleRow>('survey_rules')
    .where({ enabled: true })
    .andWhere((q) => q.whereNull('survey_id').orWhere({ survey_id: surveyId }))
    .orderBy('id');
}

/** Claims a (rule, response) pair: false when the rule already ran for the response (e.g. on an edit). */
export async function claimRuleRun(
  tx: Tx,
  tenantId: string,
  ruleId: number,
  responseId: number,
  actions: RuleActionType[],
): Promise<boolean> {
  const rows = await tx('survey_rule_runs')
    .insert({ tenant_id: tenantId, rule_id: ruleId, response_id: responseId, actions })
    .onConflict(['rule_id', 'response_id'])
    .ignore()
    .returning('rule_id');
  return rows.length > 0;
}

export async function ruleRunsOf(tx: Tx, responseId: number): Promise<{ rule_id: number; actions: string[] }[]> {
  return tx('survey_rule_runs').where({ response_id: responseId }).orderBy('rule_id').select('rule_id', 'actions');
}
