import type { Tx } from '../connection';
import type { AutomationStatus, Step, TriggerConfig, TriggerType } from '../../domain/crm/automations';

export interface AutomationRow {
  id: number;
  tenant_id: string;
  name: string;
  trigger_type: TriggerType;
  trigger_config: TriggerConfig;
  status: AutomationStatus;
  version: number;
  holdout_pct: number;
  time_scale: number;
  template: string | null;
  created_at: Date;
  updated_at: Date;
}

export interface StepRow {
  step_order: number;
  action_type: Step['action_type'];
  action_config: Step['action_config'];
}

// numeric comes back as a string from pg: the percentage is read as a number.
const normalise = (row: AutomationRow | undefined): AutomationRow | undefined =>
  row && { ...row, holdout_pct: Number(row.holdout_pct) };

export interface NewAutomation {
  name: string;
  trigger_type: TriggerType;
  trigger_config: TriggerConfig;
  status: AutomationStatus;
  holdout_pct: number;
  time_scale: number;
  template: string | null;
  steps: Step[];
}

export async function createAutomation(tx: Tx, tenantId: string, a: NewAutomation): Promise<AutomationRow> {
  const [row] = await tx<AutomationRow>('automation_workflows')
    .insert({
      tenant_id: tenantId,
      name: a.name,
      trigger_type: a.trigger_type,
      trigger_config: JSON.stringify(a.trigger_config) as unknown as TriggerConfig,
      status: a.status,
      holdout_pct: a.holdout_pct,
      time_scale: a.time_scale,
      template: a.template,
    })
    .returning('*');
  await writeSteps(tx, tenantId, row.id, 1, a.steps);
  return normalise(row) as AutomationRow;
}

async function writeSteps(tx: Tx, tenantId: string, automationId: number, version: number, steps: Step[]) {
  await tx('automation_steps').insert(
    steps.map((s, i) => ({
      tenant_id: tenantId,
      workflow_id: automationId,
      version,
      step_order: i,
      action_type: s.action_type,
      action_config: JSON.stringify(s.action_config),
    })),
  );
}

export async function getAutomation(
  tx: Tx,
  id: number,
  opts: { lock?: boolean } = {},
): Promise<AutomationRow | undefined> {
  const q = tx<AutomationRow>('automation_workflows').where({ id }).first();
  return normalise(await (opts.lock ? q.forUpdate() : q));
}

export async function listAutomations(tx: Tx, opts: { limit: number; after?: number }): Promise<AutomationRow[]> {
  const rows = await tx<AutomationRow>('automation_workflows')
    .where('id', '>', opts.after ?? 0)
    .orderBy('id')
    .limit(opts.limit);
  return rows.map((r) => normalise(r) as AutomationRow);
}

export async function getSteps(tx: Tx, automationId: number, version: number): Promise<StepRow[]> {
  return (await tx('automation_steps')
    .where({ workflow_id: automationId, version })
    .orderBy('step_order')
    .select('step_order', 'action_type', 'action_config')) as StepRow[];
}

export interface AutomationPatch {
  name?: string;
  holdout_pct?: number;
  time_scale?: number;
  trigger_type?: TriggerType;
  trigger_config?: TriggerConfig;
  steps?: Step[];
}

/** Applies a patch; new steps become the next version, which only enrolments from now on use. */
export async function updateAutomation(
  tx: Tx,
  tenantId: string,
  current: AutomationRow,
  patch: AutomationPatch,
): Promise<AutomationRow> {
  const version = patch.steps ? current.version + 1 : current.version;
  if (patch.steps) await writeSteps(tx, tenantId, current.id, version, patch.steps);
  const [row] = await tx<AutomationRow>('automation_workflows')
    .where({ id: current.id })
    .update({
      ...(patch.name !== undefined ? { name: patch.name } : {}),
      ...(patch.holdout_pct !== undefined ? { holdout_pct: patch.holdout_pct } : {}),
      ...(patch.time_scale !== undefined ? { time_scale: patch.time_scale } : {}),
      ...(patch.trigger_type !== undefined ? { trigger_type: patch.trigger_type } : {}),
      ...(patch.trigger_config !== undefined
        ? { trigger_config: JSON.stringify(patch.trigger_config) as unknown as TriggerConfig }
        : {}),
      version,
      updated_at: tx.fn.now() as unknown as Date,
    })
    .returning('*');
  return normalise(row) as AutomationRow;
}

export async function setAutomationStatus(tx: Tx, id: number, status: AutomationStatus): Promise<AutomationRow> {
  const [row] = await tx<AutomationRow>('automation_workflows')
    .where({ id })
    .update({ status, updated_at: tx.fn.now() as unknown as Date })
    .returning('*');
  return normalise(row) as AutomationRow;
}

/** Active automations of some trigger types (the event triggers' lookup, served by a partial index). */
export async function activeAutomations(tx: Tx, triggerType: TriggerType): Promise<AutomationRow[]> {
  const rows = await tx<AutomationRow>('automation_workflows').where({ status: 'active', trigger_type: triggerType });
  return rows.map((r) => normalise(r) as AutomationRow);
}

/** Active event automations listening to one event type. */
export async function activeEventAutomations(tx: Tx, eventType: string): Promise<AutomationRow[]> {
  const rows = await tx<AutomationRow>('automation_workflows')
    .where({ status: 'active', trigger_type: 'event' })
    .whereRaw("trigger_config->>'event_type' = ?", [eventType]);
  return rows.map((r) => normalise(r) as AutomationRow);
}

/** Active segment-entry automations of one segment. */
export async function activeSegmentAutomations(tx: Tx, segmentId: number): Promise<AutomationRow[]> {
  const rows = await tx<AutomationRow>('automation_workflows')
    .where({ status: 'active', trigger_type: 'segment_entry' })
    .whereRaw("(trigger_config->>'segment_id')::bigint = ?", [segmentId]);
  return rows.map((r) => normalise(r) as AutomationRow);
}

/** Whether an e-mail template exists for this tenant (the campaigns part's `email_templates`). */
export async function missingEmailTemplates(tx: Tx, ids: number[]): Promise<number[]> {
  if (!ids.length) return [];
  const found = await tx('email_templates').whereIn('id', ids).pluck('id');
  const have = new Set(found.map(Number));
  return ids.filter((id) => !have.has(id));
}
