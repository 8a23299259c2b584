import type { Db, Tx } from './connection';
import { moduleAdmits, type MeterName, type ModuleName, type PlanName } from '../domain/platform/plans';

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

/** Whether the module is on for this tenant, and (under a gradual rollout) for this event. */
export async function isModuleEnabled(tx: Tx, module: ModuleName, eventId?: number): Promise<boolean> {
  return moduleAdmits(await getModule(tx, module), module, eventId);
}

export interface UsageInput {
  meter: MeterName;
  quantity: number;
  amountMinor: number;
  /** Names the billable operation, so a replayed or retried one is counted once. */
  idempotencyKey: string;
  metadata?: Record<string, unknown>;
  at?: Date;
}

/** Records billable usage exactly once per idempotency key; returns whether this call counted it. */
export async function recordUsage(tx: Tx, tenantId: string, usage: UsageInput): Promise<boolean> {
  const at = usage.at ?? new Date();
  const inserted = await tx('usage_records')
    .insert({
      tenant_id: tenantId,
      meter: usage.meter,
      quantity: usage.quantity,
      amount_minor: usage.amountMinor,
      idempotency_key: usage.idempotencyKey,
      metadata: JSON.stringify(usage.metadata ?? {}),
      occurred_at: at,
      period: at.toISOString().slice(0, 7),
    })
    .onConflict(['tenant_id', 'idempotency_key'])
    .ignore()
    .returning('id');
  return inserted.length > 0;
}

export async function usageForPeriod(
  tx: Tx,
  period: string,
): Promise<{ meter: MeterName; quantity: number; amountMinor: number }[]> {
  const rows = await tx('usage_records')
    .where({ period })
    .groupBy('meter')
    .orderBy('meter')
    .select('meter', tx.raw('sum(quantity)::int as quantity'), tx.raw('sum(amount_minor)::int as amount_minor'));
  return rows.map((r: { meter: MeterName; quantity: number; amount_minor: number }) => ({
    meter: r.meter,
    quantity: r.quantity,
    amountMinor: r.amount_minor,
  }));
}

export type AuditActor = { type: 'api_key' | 'customer' | 'workflow' | 'system' | 'operator'; id: string };

export interface AuditEntry {
  actor: AuditActor;
  action: string;
  entityType: string;
  entityId?: string | number;
  before?: unknown;
  after?: unknown;
}

/** Appends to the tenant's audit trail in the caller's transaction; the app role cannot change it afterwards. */
export async function appendAudit(tx: Tx, tenantId: string, entry: AuditEntry): Promise<void> {
  await appendAudits(tx, tenantId, [entry]);
}

/** Several entries in one statement, for requests decided together. */
export async function appendAudits(tx: Tx, tenantId: string, entries: AuditEntry[]): Promise<void> {
  if (!entries.length) return;
  await tx('audit_log').insert(
    entries.map((entry) => ({
      tenant_id: tenantId,
      actor_type: entry.actor.type,
      actor_id: entry.actor.id,
      action: entry.action,
      entity_type: entry.entityType,
      entity_id: entry.entityId === undefined ? null : String(entry.entityId),
      before: entry.before === undefined ? null : JSON.stringify(entry.before),
      after: entry.after === undefined ? null : JSON.stringify(entry.after),
    })),
  );
}
