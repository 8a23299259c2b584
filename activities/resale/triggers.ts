import { withTenant } from '../../db/connection';
import { withdrawListingsOfInvalidTickets } from '../../db/resale/listings';
import { findAutoBuyer, notifyWaitlistOfListing } from '../../db/resale/matching';
import { claimListing, releaseClaim } from '../../db/resale/purchases';
import { loadWaitlistSettings } from '../../db/waitlist/settings';
import { AppError } from '../../lib/errors';
import { startIdempotent } from '../../lib/temporal';
import {
  resalePayoutWorkflowId,
  resalePayoutWorkflowType,
  resalePurchaseWorkflowId,
  resalePurchaseWorkflowType,
  type ResalePayoutInput,
  type ResalePurchaseInput,
} from '../../workflows/resale/contract';
import { searchAttributes } from '../../workflows/search-attributes';
import { defineTrigger, type OutboxEvent, type Trigger, type TriggerContext } from '../platform/triggers';
import { waitlistEnabled } from '../waitlist/triggers';

/**
 * Offers a new listing to its event's waitlist first: the first entry that opted in to buy it
 * automatically gets it claimed and paid for with its saved payment method by a purchase workflow
 * (which tells the line instead if that fails); without one, the next entries in line hear of it.
 */
async function matchWaitlist(event: OutboxEvent<'resale.listed'>, ctx: TriggerContext): Promise<void> {
  const { tenantId } = event;
  const listingId = event.payload.listing_id;
  const auto = await findAutoBuyer(ctx.tx, listingId);
  if (auto) {
    // Claimed in a transaction of its own that commits at once, so the workflow sees the claim. A
    // listing that cannot be claimed (being bought, gone, its ticket admitted) is nobody's offer now.
    const claim = await withTenant(ctx.db, tenantId, (tx) =>
      claimListing(tx, { listingId, buyerId: auto.customer_id }),
    ).catch((err: unknown) => {
      if (err instanceof AppError) return undefined;
      throw err;
    });
    if (!claim) return;
    const input: ResalePurchaseInput = {
      tenantId,
      claim,
      paymentMethod: auto.auto_purchase_payment_method ?? undefined,
      waitlistEntryId: auto.id,
    };
    await startIdempotent(ctx.temporal, resalePurchaseWorkflowType, {
      taskQueue: ctx.config.TEMPORAL_TASK_QUEUE,
      workflowId: resalePurchaseWorkflowId(tenantId, claim.id),
      args: [input],
      typedSearchAttributes: searchAttributes(tenantId, claim.eventId),
    }).catch(async (err: unknown) => {
      // Nothing will pay for the claim: give the listing back before the trigger is retried.
      await withTenant(ctx.db, tenantId, (tx) => releaseClaim(tx, claim));
      throw err;
    });
    return;
  }
  await notifyWaitlistOfListing(ctx.tx, tenantId, listingId);
}

export function resaleTriggers(): Trigger[] {
  return [
    defineTrigger({
      name: 'resale.withdraw-invalid-listings',
      on: ['order.cancelled', 'ticket.cancelled', 'ticket.transferred'],
      async run(event, ctx) {
        if (await waitlistEnabled(ctx))
          await withdrawListingsOfInvalidTickets(ctx.tx, event.tenantId, event.payload.event_id);
      },
    }),
    defineTrigger({
      name: 'resale.match-waitlist',
      on: ['resale.listed'],
      async run(event, ctx) {
        if (await waitlistEnabled(ctx)) await matchWaitlist(event, ctx);
      },
    }),
    defineTrigger({
      name: 'resale.start-payout',
      on: ['resale.sold'],
      async run(event, ctx) {
        const transactionId = event.payload.transaction_id;
        const settings = await loadWaitlistSettings(ctx.tx);
        await startIdempotent(ctx.temporal, resalePayoutWorkflowType, {
          taskQueue: ctx.config.TEMPORAL_TASK_QUEUE,
          workflowId: resalePayoutWorkflowId(event.tenantId, transactionId),
          args: [
            {
              tenantId: event.tenantId,
              transactionId,
              holdMs: settings.payoutHoldS * 1000,
            } satisfies ResalePayoutInput,
          ],
          typedSearchAttributes: searchAttributes(event.tenantId, event.payload.event_id),
        });
      },
    }),
  ];
}
