import { z } from 'zod';
import { IdParam, limitParam } from '../schemas/common';
import { OFFER_LOCATIONS } from '../../domain/upsells/offers';
import { Product } from './catalog-schemas';

export const OfferId = z
  .string()
  .regex(/^off_[A-Za-z0-9_-]{16}$/, 'an offer id as handed out with the offer')
  .meta({ examples: ['off_3q2-7wEvd8PZkz5_'] });

export const OffersQuery = z.object({
  location: z.enum(OFFER_LOCATIONS).meta({ description: 'Where the offers are shown' }),
  event_id: IdParam.optional().meta({ description: 'The event of the cart (not needed with order_id)', examples: [1] }),
  cart: z
    .string()
    .regex(
      /^[1-9][0-9]{0,15}:[1-9][0-9]{0,3}(,[1-9][0-9]{0,15}:[1-9][0-9]{0,3}){0,49}$/,
      'ticket_type_id:quantity, comma-separated',
    )
    .optional()
    .meta({ description: 'The tickets in the cart, e.g. `12:2,13:1` (ticket type id:quantity)', examples: ['1:2'] }),
  order_id: IdParam.optional().meta({ description: 'Offers for an existing order (after purchase) instead of a cart' }),
  customer_id: IdParam.optional().meta({
    description: 'The buyer, for customer_segment rules',
  }),
  limit: limitParam(20, 5),
});

export const Offer = z
  .object({
    offer_id: OfferId.meta({ description: 'Unique per offer shown: pass it on click and purchase for attribution' }),
    rank: z.number().int().meta({ description: '1 is the best' }),
    rule_id: z
      .number()
      .int()
      .nullable()
      .meta({ description: 'The rule that matched; null for a product without rules' }),
    product: Product,
  })
  .meta({ id: 'UpsellOffer' });

export const Offers = z
  .object({
    location: z.enum(OFFER_LOCATIONS),
    event_id: z.number().int(),
    offers: z.array(Offer),
  })
  .meta({ id: 'UpsellOffers' });

export const OfferParams = z.object({ offer_id: OfferId });

export const Click = z
  .object({
    offer_id: z.string(),
    product_id: z.number().int(),
    clicked_at: z.string(),
    redirect_url: z
      .string()
      .nullable()
      .meta({ description: "external: the partner's link with the affiliate code and the offer id (usher_offer)" }),
  })
  .meta({ id: 'UpsellOfferClick' });
