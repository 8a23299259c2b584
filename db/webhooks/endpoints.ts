import type { Tx } from '../connection';

export interface EndpointRow {
  id: number;
  tenant_id: string;
  url: string;
  secret: string;
  event_types: string[];
  description: string | null;
  status: 'active' | 'disabled';
  consecutive_failures: number;
  disabled_at: Date | null;
  disabled_reason: string | null;
  created_at: Date;
  updated_at: Date;
}

export async function insertEndpoint(
  tx: Tx,
  tenantId: string,
  input: { url: string; secret: string; event_types: string[]; description: string | null },
): Promise<EndpointRow> {
  const [row] = await tx('webhook_endpoints')
    .insert({ ...input, tenant_id: tenantId })
    .returning('*');
  return row;
}

export async function listEndpoints(tx: Tx): Promise<EndpointRow[]> {
  return tx<EndpointRow>('webhook_endpoints').orderBy('id');
}

export async function getEndpoint(tx: Tx, id: number): Promise<EndpointRow | undefined> {
  return tx<EndpointRow>('webhook_endpoints').where({ id }).first();
}

/** The tenant's active endpoints with what they subscribe to, for the fan-out. */
export async function listActiveEndpoints(tx: Tx): Promise<Pick<EndpointRow, 'id' | 'event_types'>[]> {
  return tx<EndpointRow>('webhook_endpoints').where({ status: 'active' }).select('id', 'event_types');
}

/** The tenant's change: re-enabling starts the failure count afresh, disabling records when and why. */
export async function updateEndpoint(
  tx: Tx,
  id: number,
  patch: Partial<Pick<EndpointRow, 'url' | 'event_types' | 'description' | 'status'>>,
): Promise<EndpointRow> {
  const reenable =
    patch.status === 'active' ? { consecutive_failures: 0, disabled_at: null, disabled_reason: null } : {};
  const disable =
    patch.status === 'disabled' ? { disabled_at: tx.fn.now(), disabled_reason: 'disabled by tenant' } : {};
  const [row] = await tx('webhook_endpoints')
    .where({ id })
    .update({ ...patch, ...reenable, ...disable, updated_at: tx.fn.now() })
    .returning('*');
  return row;
}

/** A deleted endpoint is only disabled: its delivery log keeps pointing at it. */
export async function retireEndpoint(tx: Tx, id: number): Promise<EndpointRow> {
  const [row] = await tx('webhook_endpoints')
    .where({ id })
    .update({
      status: 'disabled',
      disabled_at: tx.fn.now(),
      disabled_reason: 'deleted by tenant',
      updated_at: tx.fn.now(),
    })
    .returning('*');
  return row;
}

/** A delivered event: the endpoint is healthy again. */
export async function resetEndpointFailures(tx: Tx, id: number): Promise<void> {
  await tx('webhook_endpoints').where({ id }).update({ consecutive_failures: 0 });
}

/** Counts one more failed delivery in a row; answers the new count. */
export async function countEndpointFailure(tx: Tx, id: number): Promise<number> {
  const [{ consecutive_failures: failures }] = await tx('webhook_endpoints')
    .where({ id })
    .update({ consecutive_failures: tx.raw('consecutive_failures + 1') })
    .returning('consecutive_failures');
  return failures;
}

/** Disables an endpoint that keeps failing; false when it was no longer active (someone else did it first). */
export async function disableFailingEndpoint(tx: Tx, id: number, failures: number): Promise<boolean> {
  const updated = await tx('webhook_endpoints')
    .where({ id, status: 'active' })
    .update({
      status: 'disabled',
      disabled_at: tx.fn.now(),
      disabled_reason: `${failures} consecutive failed deliveries`,
    });
  return updated > 0;
}
