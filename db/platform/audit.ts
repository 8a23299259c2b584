import type { Tx } from '../connection';

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

export interface AuditFilter {
  entity_type?: string;
  entity_id?: string;
  actor_type?: string;
  action?: string;
  since?: string;
  after?: number;
  limit: number;
}

export interface AuditRow {
  id: number;
  actor_type: string;
  actor_id: string;
  action: string;
  entity_type: string;
  entity_id: string | null;
  before: unknown;
  after: unknown;
  occurred_at: Date;
}

/** A page of the audit trail in order, narrowed by whichever filters are given. */
export async function listAudit(tx: Tx, filter: AuditFilter): Promise<AuditRow[]> {
  const q = tx<AuditRow>('audit_log').orderBy('id').limit(filter.limit);
  if (filter.entity_type) q.where('entity_type', filter.entity_type);
  if (filter.entity_id) q.where('entity_id', filter.entity_id);
  if (filter.actor_type) q.where('actor_type', filter.actor_type);
  if (filter.action) q.where('action', filter.action);
  if (filter.since) q.where('occurred_at', '>=', filter.since);
  if (filter.after) q.where('id', '>', filter.after);
  return q;
}
