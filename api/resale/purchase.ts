import type { ResaleClaim } from '../../domain/waitlist/resale';
import { AppError } from '../../lib/errors';
import { startIdempotent } from '../../lib/temporal';
import { resalePurchaseWorkflowId, resalePurchaseWorkflowType } from '../../workflows/resale/contract';
import { searchAttributes } from '../../workflows/search-attributes';
import type { RouterDeps } from '../deps';

/** How long a buyer waits for their purchase's outcome: a purchase takes well under a second. */
const PURCHASE_WAIT_MS = 60_000;

/**
 * Pays for a listing the request claimed, once the claim is committed: the purchase workflow charges
 * the buyer outside any transaction, then hands the ticket over, refunding the charge and giving the
 * listing back if that fails. Answers the sale's transaction id, or throws the buyer's refusal.
 */
export async function payForClaim(
  deps: RouterDeps,
  tenantId: string,
  claim: ResaleClaim,
  paymentMethod: string | undefined,
): Promise<number> {
  const handle = await startIdempotent(deps.temporal, resalePurchaseWorkflowType, {
    taskQueue: deps.config.TEMPORAL_TASK_QUEUE,
    workflowId: resalePurchaseWorkflowId(tenantId, claim.id),
    args: [{ tenantId, claim, paymentMethod }],
    typedSearchAttributes: searchAttributes(tenantId, claim.eventId),
  });
  let timer: NodeJS.Timeout | undefined;
  const outcome = await Promise.race([
    handle.result(),
    new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), PURCHASE_WAIT_MS);
    }),
  ]).finally(() => clearTimeout(timer));
  // A 503: the worker has not decided in time, a fault on our side. The workflow still either
  // completes the sale or refunds the buyer; the listing shows which.
  if (!outcome)
    throw new AppError(503, 'purchase_pending', 'The purchase is still being processed; the listing shows its outcome');
  if (!outcome.ok) throw new AppError(outcome.status, outcome.code, outcome.message);
  return outcome.transactionId;
}
