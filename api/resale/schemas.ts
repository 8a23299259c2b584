import { z } from 'zod';
import { LISTING_STATUSES } from '../../db/resale/listings';
import { AfterParam, Id, IdParam, MinorUnits, limitParam } from '../schemas/common';
import { Ticket } from '../tickets/schemas';
import { PaymentMethod } from '../waitlist/schemas';

export const CreateListing = z.strictObject({
  ticket_id: Id,
  asking_price_minor: MinorUnits,
});

export const UpdatePrice = z.strictObject({ asking_price_minor: MinorUnits });

export const PurchaseListing = z.strictObject({
  customer_id: Id.optional().meta({ description: 'The buyer, when a tenant key buys for a customer' }),
  payment_method: PaymentMethod.optional(),
});

export const Listing = z
  .object({
    id: z.number().int(),
    event_id: z.number().int(),
    ticket_type_id: z.number().int(),
    ticket_id: z.number().int(),
    seller_customer_id: z.number().int(),
    status: z.enum(LISTING_STATUSES),
    currency: z.string(),
    original_price_minor: z.number().int(),
    asking_price_minor: z.number().int(),
    max_allowed_price_minor: z.number().int(),
    buyer_fee_minor: z.number().int().meta({ description: 'The platform fee the buyer pays on top' }),
    buyer_total_minor: z.number().int(),
    seller_payout_minor: z.number().int(),
    suggested_price_minor: z
      .number()
      .int()
      .meta({ description: 'A fair price: what others ask, between the original price and the cap' }),
    listed_at: z.string(),
    sold_at: z.string().nullable(),
    buyer_customer_id: z.number().int().nullable(),
  })
  .meta({ id: 'ResaleListing' });

export const ResaleTransaction = z
  .object({
    id: z.number().int(),
    listing_id: z.number().int(),
    order_id: z.number().int(),
    buyer_customer_id: z.number().int(),
    seller_customer_id: z.number().int(),
    currency: z.string(),
    sale_price_minor: z.number().int(),
    platform_fee_minor: z.number().int(),
    seller_payout_minor: z.number().int(),
    payout_status: z.enum(['pending', 'processing', 'completed']),
    payout_reference: z.string().nullable(),
    created_at: z.string(),
  })
  .meta({ id: 'ResaleTransaction' });

export const Purchase = z
  .object({ listing: Listing, transaction: ResaleTransaction, ticket: Ticket })
  .meta({ id: 'ResalePurchase' });

export const ListingQuery = z.object({
  event_id: IdParam.optional(),
  ticket_type_id: IdParam.optional(),
  status: z.enum(LISTING_STATUSES).default('active'),
  limit: limitParam(200, 50),
  after: AfterParam.optional(),
});

export const MineQuery = z.object({
  customer_id: IdParam.optional().meta({ description: 'Required with a tenant key' }),
  limit: limitParam(200, 50),
  after: AfterParam.optional(),
});

export const UpdateSeller = z.strictObject({
  verified: z.boolean().optional(),
  payout_account: z
    .string()
    .regex(/^acct_\w{1,100}$/, 'a connected account, acct_...')
    .nullable()
    .optional(),
});

export const Seller = z
  .object({
    customer_id: z.number().int(),
    verified: z.boolean(),
    verified_at: z.string().nullable(),
    payout_account: z.string().nullable(),
  })
  .meta({ id: 'ResaleSeller' });
