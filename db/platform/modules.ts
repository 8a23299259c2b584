import type { Db, Tx } from '../connection';
import { moduleAdmits, type ModuleName, type PlanName } from '../../domain/platform/plans';
import { emit } from './outbox';

export interface TenantModuleRow {
  tenant_id: string;
  module: ModuleName;
  plan: PlanName;
  enabled: boolean;
  rollout_percent: number;
  settings: Record<string, unknown>;
  enabled_at: Date;
  updated_at: Date;
}

export async function listModules(tx: Tx): Promise<TenantModuleRow[]> {
  return tx<TenantModuleRow>('tenant_modules').orderBy('module');
}

export async function getModule(tx: Tx, module: ModuleName): Promise<TenantModuleRow | undefined> {
  return tx<TenantModuleRow>('tenant_modules').where({ module }).first();
}

export async function upsertModule(
  tx: Tx | Db,
  tenantId: string,
  module: ModuleName,
  patch: { enabled?: boolean; plan?: PlanName; rollout_percent?: number; settings?: Record<string, unknown> },
): Promise<TenantModuleRow> {
  const row = { ...patch, ...(patch.settings ? { settings: JSON.stringify(patch.settings) } : {}) };
  const [saved] = await tx('tenant_modules')
    .insert({ tenant_id: tenantId, module, ...row })
    .onConflict(['tenant_id', 'module'])
    .merge({ ...row, updated_at: tx.fn.now() })
    .returning('*');
  return saved;
}

/**
 * `upsertModule` for the tenant's own change: announces `module.enabled` when the module goes from
 * off (or never subscribed) to on, once however many identical requests race (they queue on a
 * transaction lock, as the row may not exist yet to be locked).
 */
export async function changeModule(
  tx: Tx,
  tenantId: string,
  module: ModuleName,
  patch: Parameters<typeof upsertModule>[3],
): Promise<TenantModuleRow> {
  await tx.raw('select pg_advisory_xact_lock(hashtext(?))', [`tenant_modules:${tenantId}:${module}`]);
  const before = await getModule(tx, module);
  const saved = await upsertModule(tx, tenantId, module, patch);
  if (saved.enabled && !before?.enabled)
    await emit(tx, tenantId, {
      type: 'module.enabled',
      aggregateType: 'tenant_module',
      aggregateId: module,
      payload: { module },
    });
  return saved;
}

/** Whether the module is on for this tenant, and (under a gradual rollout) for this event. */
export async function isModuleEnabled(tx: Tx, module: ModuleName, eventId?: number): Promise<boolean> {
  return moduleAdmits(await getModule(tx, module), module, eventId);
}
