import { inBatches } from '../../lib/batches';
import { isModuleEnabled } from '../../db/platform/modules';
import { configureEventWaitlist } from '../../db/waitlist/settings';
import { offerAvailable } from '../../db/waitlist/offers';
import { startIdempotent } from '../../lib/temporal';
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

/** The waitlist add-on, of which resale is the second half, is enabled for the event's tenant. */
export const waitlistEnabled = (ctx: TriggerContext): Promise<boolean> => isModuleEnabled(ctx.tx, 'waitlist');

export function waitlistTriggers(): Trigger[] {
  return [
    defineTrigger({
      // The proposal's "Ticket Sold Out → Enable waitlist".
      name: 'waitlist.open-on-sold-out',
      on: ['event.sold_out'],
      async run(event, ctx) {
        if (await waitlistEnabled(ctx))
          await configureEventWaitlist(ctx.tx, event.tenantId, event.payload.event_id, { open: true });
      },
    }),
    defineTrigger({
      name: 'waitlist.offer-released-tickets',
      on: RELEASE_EVENTS,
      async run(event, ctx) {
        if (await waitlistEnabled(ctx))
          await offerAvailable(ctx.tx, event.tenantId, { eventId: event.payload.event_id });
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
  ];
}
