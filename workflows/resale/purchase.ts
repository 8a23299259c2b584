import { ActivityFailure, proxyActivities, setHandler } from '@temporalio/workflow';
import type { ResalePurchaseActivities } from '../../activities/resale/purchase';
import {
  getPurchaseStateQuery,
  type PurchaseRefusal,
  type ResalePurchaseInput,
  type ResalePurchaseOutcome,
  type ResalePurchaseState,
} from './contract';

const charge = proxyActivities<ResalePurchaseActivities>({
  startToCloseTimeout: '1 minute',
  // The charge carries the claim's idempotency key, so a retry after a lost answer is the same
  // charge; a few tries, then the buyer hears that the payment could not be taken.
  retry: { initialInterval: '1 second', maximumAttempts: 3 },
});

const complete = proxyActivities<ResalePurchaseActivities>({
  startToCloseTimeout: '30 seconds',
  // Business refusals come back as outcomes; what throws (a lost connection, a deadlock) is tried
  // again a few times, since completing twice answers the first sale, then the charge is refunded.
  retry: { initialInterval: '500 milliseconds', maximumAttempts: 3 },
});

const compensation = proxyActivities<ResalePurchaseActivities>({
  startToCloseTimeout: '1 minute',
  // The buyer must get the money back and the listing must become buyable again: keep trying
  // (slowly); the refund's idempotency key makes every retry the same refund.
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '10 minutes',
    nonRetryableErrorTypes: ['refund_failed'],
  },
});

const paymentFailed: PurchaseRefusal = {
  ok: false,
  status: 402,
  code: 'payment_failed',
  message: 'The payment could not be taken',
};

// A 500 because nothing the buyer sent or did caused it; they are refunded and may simply try again.
const completionFailed: PurchaseRefusal = {
  ok: false,
  status: 500,
  code: 'purchase_failed',
  message: 'The purchase could not be completed; the payment was refunded',
};

/**
 * Pays for a claimed resale listing as a saga: charge the buyer, then hand the ticket over; when
 * that fails, the steps already taken are undone in reverse (refund the charge, give the listing
 * back). Durable, so a crash between the charge and the sale still ends in one of the two.
 */
export async function resalePurchaseWorkflow(input: ResalePurchaseInput): Promise<ResalePurchaseOutcome> {
  const state: ResalePurchaseState = { step: 'charging' };
  setHandler(getPurchaseStateQuery, () => state);
  // The claim was taken before this started: giving it back is the first undo, run last.
  const compensations: (() => Promise<unknown>)[] = [() => compensation.releaseResaleClaim(input)];

  const finish = async (outcome: ResalePurchaseOutcome): Promise<ResalePurchaseOutcome> => {
    state.outcome = outcome;
    if (!outcome.ok) {
      state.step = 'compensating';
      await undo(compensations);
    }
    state.step = 'done';
    return outcome;
  };

  const paid = await charge.chargeResalePurchase(input).catch((err: unknown) => {
    if (err instanceof ActivityFailure) return paymentFailed;
    throw err;
  });
  if (!paid.ok) return finish(paid);
  const paymentReference = paid.reference;
  state.paymentReference = paymentReference;
  compensations.unshift(() => compensation.refundResalePurchase({ ...input, paymentReference }));

  state.step = 'completing';
  return finish(
    await complete.completeResalePurchase({ ...input, paymentReference }).catch((err: unknown) => {
      if (err instanceof ActivityFailure) return completionFailed;
      throw err;
    }),
  );
}

/** Runs every undo even when one fails for good, then fails the workflow with the first failure, for ops to see. */
async function undo(compensations: (() => Promise<unknown>)[]): Promise<void> {
  let failure: unknown;
  for (const step of compensations) {
    try {
      await step();
    } catch (err) {
      failure ??= err;
    }
  }
  if (failure !== undefined) throw failure;
}
