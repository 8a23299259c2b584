import { isModuleEnabled } from '../../db/platform/modules';
import { matchWaitlistToListing, withdrawListingsOfInvalidTickets } from '../../db/resale';
import { configureEventWaitlist, loadWaitlistSettings, offerAvailable } from '../../db/waitlist';
import type { PaymentProvider } from '../../integrations/payments/provider';
import { startIdempotent } from '../../lib/temporal';
import {
  resalePayoutWorkflowId,
  resalePayoutWorkflowType,
  type ResalePayoutInput,
} from '../../workflows/resale/contract';
import { searchAttributes } from '../../workflows/search-attributes';
import {
  waitlistOfferWorkflowId,
  waitlistOfferWorkflowType,
  type WaitlistOfferInput,
} from '../../workflows/waitlist/contract';
import { defineTrigger, type Trigger, type TriggerContext } from '../platform/triggers';

/** Everything after which seats may be free again: each one may let the waitlist move. */
export const RELEASE_EVENTS = [
  'order.cancelled',
  'order.expired',
  'order.failed',
  'ticket.cancelled',
  'ticket_type.inventory_changed',
  'event.back_on_sale',
] as const;

/** How many workflow starts are in flight at once when a release makes many offers. */
const START_CONCURRENCY = 32;

async function inBatches<T>(items: T[], size: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(fn));
}

const enabled = (ctx: TriggerContext): Promise<boolean> => isModuleEnabled(ctx.tx, 'waitlist');

export function waitlistTriggers(deps: { payments: PaymentProvider }): Trigger[] {
  return [
    defineTrigger({
      // The proposal's "Ticket Sold Out → Enable waitlist".
      name: 'waitlist.open-on-sold-out',
      on: ['event.sold_out'],
      async run(event, ctx) {
        if (await enabled(ctx))
          await configureEventWaitlist(ctx.tx, event.tenantId, event.payload.event_id, { open: true });
      },
    }),
    defineTrigger({
      name: 'waitlist.offer-released-tickets',
      on: RELEASE_EVENTS,
      async run(event, ctx) {
        if (await enabled(ctx)) await offerAvailable(ctx.tx, event.tenantId, { eventId: event.payload.event_id });
      },
    }),
    defineTrigger({
      // Starts run after the offers committed; the id names the entry, so a retry is harmless.
      name: 'waitlist.start-offer-workflows',
      on: ['waitlist.offers_made'],
      async run(event, ctx) {
        const { event_id: eventId, window_ms: windowMs } = event.payload;
        await inBatches(event.payload.entry_ids, START_CONCURRENCY, (entryId) =>
          startIdempotent(ctx.temporal, waitlistOfferWorkflowType, {
            taskQueue: ctx.config.TEMPORAL_TASK_QUEUE,
            workflowId: waitlistOfferWorkflowId(event.tenantId, entryId),
            args: [{ tenantId: event.tenantId, entryId, eventId, windowMs } satisfies WaitlistOfferInput],
            typedSearchAttributes: searchAttributes(event.tenantId, eventId),
          }),
        );
      },
    }),
    defineTrigger({
      name: 'resale.withdraw-invalid-listings',
      on: ['order.cancelled', 'ticket.cancelled', 'ticket.transferred'],
      async run(event, ctx) {
        if (await enabled(ctx)) await withdrawListingsOfInvalidTickets(ctx.tx, event.tenantId, event.payload.event_id);
      },
    }),
    defineTrigger({
      name: 'resale.match-waitlist',
      on: ['resale.listed'],
      async run(event, ctx) {
        if (await enabled(ctx))
          await matchWaitlistToListing(ctx.tx, event.tenantId, event.payload.listing_id, deps.payments);
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
