import { z } from 'zod';
import { WAITLIST_STATUSES } from '../../db/waitlist/entries';
import { WAITLIST_MODES } from '../../domain/waitlist/ordering';
import { CustomerInput } from '../customers/schemas';
import { AfterParam, Id, MinorUnits, limitParam } from '../schemas/common';

export const PaymentMethod = z.string().regex(/^pm_\w{1,100}$/, 'a saved payment method, pm_...');

export const JoinWaitlist = z.strictObject({
  event_id: Id,
  ticket_type_id: Id,
  quantity: z.number().int().min(1).max(10).default(1),
  customer_id: Id.optional(),
  customer: CustomerInput.optional(),
  auto_purchase: z
    .strictObject({
      max_price_minor: MinorUnits.meta({ description: 'The most to pay for a matching resale ticket, fee included' }),
      payment_method: PaymentMethod,
    })
    .optional()
    .meta({ description: 'Buy a matching resale listing automatically, without a click' }),
});

export const WaitlistEntry = z
  .object({
    id: z.number().int(),
    event_id: z.number().int(),
    ticket_type_id: z.number().int(),
    customer_id: z.number().int(),
    email: z.string(),
    quantity: z.number().int(),
    status: z.enum(WAITLIST_STATUSES),
    position: z.number().int().nullable().meta({ description: '1-based place in line while waiting' }),
    waiting: z.number().int().meta({ description: 'How many entries wait for this ticket type' }),
    notified_at: z.string().nullable(),
    expires_at: z.string().nullable().meta({ description: 'End of the purchase window of an offer' }),
    order_id: z.number().int().nullable(),
    auto_purchase_max_minor: z.number().int().nullable(),
    created_at: z.string(),
  })
  .meta({ id: 'WaitlistEntry' });

export const EntryQuery = z.object({
  status: z.enum(WAITLIST_STATUSES).optional(),
  limit: limitParam(200, 50),
  after: AfterParam.optional().meta({ description: 'Continue after this entry, in queue order' }),
});

export const NotifyNext = z.strictObject({
  event_id: Id,
  ticket_type_id: Id.optional(),
  max_entries: z.number().int().min(1).max(10_000).optional(),
});

export const Offers = z.object({
  offers: z.array(
    z.object({
      entry_id: z.number().int(),
      ticket_type_id: z.number().int(),
      quantity: z.number().int(),
      expires_at: z.string(),
    }),
  ),
});

export const EventWaitlistSettings = z.strictObject({
  mode: z
    .enum(WAITLIST_MODES)
    .optional()
    .meta({ description: 'Queue order: first come, or a random draw from a recorded seed' }),
  open: z.boolean().optional(),
});

export const EventWaitlist = z
  .object({
    event_id: z.number().int(),
    mode: z.enum(WAITLIST_MODES),
    seed: z.string().meta({ description: 'The lottery seed: with it anyone can recompute a random draw' }),
    open: z.boolean(),
    opened_at: z.string().nullable(),
  })
  .meta({ id: 'EventWaitlist' });

export const PurchaseOffer = z.strictObject({ payment_method: PaymentMethod.optional() });
