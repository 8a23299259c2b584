import type { Tx } from '../connection';
import { emit } from '../platform/outbox';

/** Adds a tag to the customer (once) and emits `crm.customer_tagged`; false when they had it. No automation: another module's rule. */
export async function tagCustomer(
  tx: Tx,
  tenantId: string,
  customerId: number,
  tag: string,
  automationId: number | null,
): Promise<boolean> {
  const updated = await tx('customers')
    .where({ id: customerId })
    .whereRaw('not (? = any(tags))', [tag])
    .update({ tags: tx.raw('array_append(tags, ?)', [tag]), updated_at: tx.fn.now() });
  if (!updated) return false;
  await emit(tx, tenantId, {
    type: 'crm.customer_tagged',
    aggregateType: 'customer',
    aggregateId: customerId,
    payload: { customer_id: customerId, tag, automation_id: automationId },
  });
  return true;
}
