import type { Tx } from '../connection';

export interface EmailTemplateRow {
  id: number;
  tenant_id: string;
  name: string;
  subject: string;
  mjml: string;
  text: string | null;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = ['id', 'tenant_id', 'name', 'subject', 'mjml', 'text', 'created_at', 'updated_at'];

export async function createTemplate(
  tx: Tx,
  tenantId: string,
  t: { name: string; subject: string; mjml: string; text?: string | null },
): Promise<EmailTemplateRow> {
  const [row] = await tx('email_templates')
    .insert({ tenant_id: tenantId, name: t.name, subject: t.subject, mjml: t.mjml, text: t.text ?? null })
    .returning(COLUMNS);
  return row;
}

export async function getTemplate(tx: Tx, id: number): Promise<EmailTemplateRow | undefined> {
  return tx<EmailTemplateRow>('email_templates').where({ id }).whereNull('deleted_at').first(COLUMNS);
}

/** Templates by id, deleted ones included: a queued message still renders with its template. */
export async function templatesByIds(tx: Tx, ids: number[]): Promise<EmailTemplateRow[]> {
  return (await tx('email_templates').whereIn('id', ids).select(COLUMNS)) as EmailTemplateRow[];
}

export async function listTemplates(tx: Tx, limit: number, after?: number): Promise<EmailTemplateRow[]> {
  const q = tx('email_templates').whereNull('deleted_at').orderBy('id').limit(limit).select(COLUMNS);
  if (after) q.where('id', '>', after);
  return (await q) as EmailTemplateRow[];
}

export async function updateTemplate(
  tx: Tx,
  id: number,
  patch: Partial<{ name: string; subject: string; mjml: string; text: string | null }>,
): Promise<EmailTemplateRow | undefined> {
  const [row] = await tx('email_templates')
    .where({ id })
    .whereNull('deleted_at')
    .update({ ...patch, updated_at: tx.fn.now() })
    .returning(COLUMNS);
  return row;
}

/** Soft delete: messages and campaigns keep pointing at it. */
export async function deleteTemplate(tx: Tx, id: number): Promise<boolean> {
  const n = await tx('email_templates').where({ id }).whereNull('deleted_at').update({ deleted_at: tx.fn.now() });
  return n > 0;
}

/** Whether the table exists (the customer-data and segment parts' tables, read when present). */
async function hasTable(tx: Tx, name: string): Promise<boolean> {
  const { rows } = await tx.raw<{ rows: { ok: boolean }[] }>('select to_regclass(?) is not null as ok', [name]);
  return rows[0]?.ok ?? false;
}

export interface RecipientData {
  customer: Record<string, unknown> & { id: number; name: string; email: string };
  metrics: Record<string, unknown> | null;
  segments: number[];
}

/** Everything a template may say about these customers: their row, metrics and current segments. */
export async function recipientData(tx: Tx, customerIds: number[]): Promise<Map<number, RecipientData>> {
  const out = new Map<number, RecipientData>();
  if (!customerIds.length) return out;
  const [metrics, members] = [await hasTable(tx, 'customer_metrics'), await hasTable(tx, 'customer_segment_members')];
  const { rows } = await tx.raw<{
    rows: { customer: RecipientData['customer']; metrics: Record<string, unknown> | null; segments: number[] | null }[];
  }>(
    `select to_jsonb(c) as customer,
            ${metrics ? '(select to_jsonb(m) from customer_metrics m where m.customer_id = c.id limit 1)' : 'null'} as metrics,
            ${
              members
                ? '(select array_agg(distinct s.segment_id) from customer_segment_members s where s.customer_id = c.id and s.removed_at is null)'
                : 'null'
            } as segments
       from customers c where c.id = any(?::bigint[])`,
    [customerIds],
  );
  for (const row of rows)
    out.set(Number(row.customer.id), {
      customer: row.customer,
      metrics: row.metrics,
      segments: (row.segments ?? []).map(Number),
    });
  return out;
}

export async function tenantName(tx: Tx, tenantId: string): Promise<string> {
  const row = (await tx('tenants').where({ id: tenantId }).first('name')) as { name?: string } | undefined;
  return row?.name ?? tenantId;
}
