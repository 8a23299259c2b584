import { z } from 'zod';
import { ALLOCATION_KINDS, ALLOCATION_STATUSES } from '../../db/season/allocations';
import { AfterParam, Id, IdParam, limitParam } from '../schemas/common';

const SeatPart = (max: number, example: string) =>
  z
    .string()
    .trim()
    .min(1)
    .max(max)
    .regex(/^[A-Za-z0-9][A-Za-z0-9 _.-]*$/, 'letters, digits, space, _ . -, starting with a letter or digit')
    .meta({ examples: [example] });

export const SeatBody = z
  .strictObject({
    section: SeatPart(50, 'Stalls').meta({
      description: "The section; an event's ticket type of the same name is the one the seat takes",
    }),
    row: SeatPart(20, 'C'),
    seat: SeatPart(20, '12'),
  })
  .meta({ id: 'SeasonSeatInput' });

export const Seat = z
  .object({
    subscription_id: z.number().int(),
    package_id: z.number().int(),
    section: z.string(),
    row: z.string(),
    seat: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: 'SeasonSeat' });

export const Allocation = z
  .object({
    id: z.number().int(),
    subscription_id: z.number().int(),
    customer_id: z.number().int(),
    event_id: z.number().int(),
    ticket_type_id: z.number().int(),
    kind: z.enum(ALLOCATION_KINDS).meta({
      description:
        'seat: the season seat held at a covered event; flex: a redeemed flex credit; exchange: a ticket taken for an exchanged seat',
    }),
    section: z.string().nullable(),
    row: z.string().nullable(),
    seat: z.string().nullable(),
    status: z.enum(ALLOCATION_STATUSES),
    ticket_id: z.number().int().nullable(),
    order_id: z.number().int().nullable(),
    exchanged_from_id: z.number().int().nullable(),
    claimed_at: z.string().nullable(),
    warned_at: z
      .string()
      .nullable()
      .meta({ description: 'When the holder was warned an unclaimed seat will be released' }),
    released_at: z.string().nullable(),
    release_reason: z.enum(['holder', 'unclaimed', 'expired', 'cancelled', 'refunded']).nullable(),
    resold_order_id: z.number().int().nullable().meta({ description: 'The order that bought the released seat again' }),
    credit_entry_id: z
      .number()
      .int()
      .nullable()
      .meta({ description: "The holder's store-credit entry for the resold seat" }),
    created_at: z.string(),
  })
  .meta({ id: 'SeasonAllocation' });

export const AllocationQuery = z.object({
  subscription_id: IdParam.optional().meta({ examples: [1] }),
  event_id: IdParam.optional().meta({ examples: [1] }),
  status: z.enum(ALLOCATION_STATUSES).optional(),
  kind: z.enum(ALLOCATION_KINDS).optional(),
  limit: limitParam(500, 100),
  after: AfterParam.optional().meta({ description: 'Return allocations with an id above this cursor' }),
});

export const ExchangeBody = z.strictObject({
  event_id: Id,
  ticket_type_id: Id.optional().meta({
    description: "The new event's ticket type; by default the one named like the seat's section, else its first",
  }),
});

export const Exchanged = z.object({ from: Allocation, to: Allocation }).meta({ id: 'SeasonExchange' });

export const RedeemBody = z.strictObject({ event_id: Id, ticket_type_id: Id });

export const Redeemed = z
  .object({ allocation: Allocation, flex_credits_remaining: z.number().int() })
  .meta({ id: 'SeasonFlexRedemption' });

export const AllocateResult = z
  .object({
    event_id: z.number().int(),
    allocated: z.number().int().meta({ description: 'Allocations made now' }),
    skipped: z.number().int().meta({ description: 'Members left without a seat: no inventory left for them' }),
  })
  .meta({ id: 'SeasonAllocateResult' });
