import { z } from 'zod';

/** The upsells module's domain events; spread into the catalogue (`domain/catalogue.ts`). Each part keeps its own section. */
export const upsellsEvents = {
  // --- products, rules and offers (catalog) ---
  // --- end catalog ---
  // --- buying, upgrades and vouchers (purchases) ---
  'upsell.purchased': {
    doc:
      'An add-on or bundle line was paid: with its order, or after purchase through a payment of its own. ' +
      'Its units count as sold, redeemable ones got voucher codes, and the offer it came from is converted.',
    payload: z.object({
      line_id: z.number().int(),
      order_id: z.number().int(),
      event_id: z.number().int(),
      customer_id: z.number().int(),
      product_id: z.number().int(),
      kind: z.enum(['addon', 'bundle', 'upgrade']),
      quantity: z.number().int(),
      variant: z.string().nullable(),
      revenue_minor: z.number().int(),
      currency: z.string(),
      offer_id: z.string().nullable().describe('the offer the buyer took, when attributed'),
      voucher_ids: z
        .array(z.number().int())
        .describe("one voucher per unit of a product that needs redemption, a bundle's redeemable components included"),
    }),
  },
  'ticket.upgraded': {
    doc:
      'A ticket moved to a better ticket type after its holder paid the difference. It has a new code (the old ' +
      'one no longer scans) and its wallet passes are updated.',
    payload: z.object({
      ticket_id: z.number().int(),
      event_id: z.number().int(),
      order_id: z.number().int(),
      product_id: z.number().int(),
      from_ticket_type_id: z.number().int(),
      to_ticket_type_id: z.number().int(),
      charge_minor: z.number().int(),
      currency: z.string(),
    }),
  },
  'upsell.voucher_redeemed': {
    doc: 'An add-on voucher (parking, meet & greet, drinks, alone or in a bundle) was admitted at a gate that accepts vouchers; it admits once.',
    payload: z.object({
      voucher_id: z.number().int(),
      line_id: z.number().int(),
      product_id: z.number().int().describe("what it admits to: the line's product, or a component of its bundle"),
      event_id: z.number().int(),
      gate_id: z.number().int(),
      redeemed_at: z.string(),
    }),
  },
  'upsell.refunded': {
    doc:
      "An add-on, bundle or upgrade line was refunded by the refund policy: alone, or with the order's last " +
      'tickets. Its units are free again and its vouchers no longer admit; the money goes back by `route`.',
    payload: z.object({
      line_id: z.number().int(),
      order_id: z.number().int(),
      event_id: z.number().int(),
      customer_id: z.number().int(),
      product_id: z.number().int(),
      quantity: z.number().int(),
      amount_minor: z.number().int().describe('what is given back'),
      currency: z.string(),
      route: z.enum(['provider', 'credit', 'external', 'none']).describe('where the money goes'),
      refund_request_id: z.number().int().nullable().describe("the tickets' refund request, when refunded with them"),
    }),
  },
  // --- end purchases ---
  // --- recommendations (recommendations) ---
  // --- end recommendations ---
} as const satisfies Record<string, { doc: string; payload: z.ZodObject }>;

export const UPSELLS_EVENT_TYPES = Object.keys(upsellsEvents) as (keyof typeof upsellsEvents)[];
