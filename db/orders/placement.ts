import type { Tx } from '../connection';
import { AppError, notFound } from '../../lib/errors';
import { formatOrderNumber, priceOrder } from '../../domain/orders/pricing';
import { isSellable } from '../../domain/events/lifecycle';
import { getEvent } from '../events/events';
import { syncSoldOutStatus, takeInventory } from '../events/inventory';
import { ticketTypesOfEvent, type TicketTypeRow } from '../events/ticket-types';
import { emit } from '../platform/outbox';
import { priceOrderLines } from '../pricing/placement';
import { seasonOrderTerms, type SeasonOrderTerms } from '../season/placement';
import { insertUpsellLines, reserveUpsellLines, type UpsellLineInput } from '../upsells/placement';
import { memberUnitPrice } from '../../domain/season/member-terms';
import type { OrderChannel, OrderItemRow, OrderRow, PaymentProviderName } from './orders';

export interface OrderLineInput {
  ticketTypeId: number;
  quantity: number;
  codes?: string[];
  /** A price other than the ticket type's list price: a resale sells at the listing's price plus fee. */
  unitPriceMinor?: number;
}

export interface PlaceOrderInput {
  eventId: number;
  customerId: number;
  lines: OrderLineInput[];
  provider: PaymentProviderName;
  externalRef?: string;
  channel?: OrderChannel;
  promoCode?: string;
  /** A price quote (`POST /api/pricing/quotes`) whose held prices the order pays within its TTL. */
  quoteToken?: string;
  /** Add-ons and bundles bought with the tickets; their units are reserved with the seats. */
  upsells?: UpsellLineInput[];
  now?: Date;
  /**
   * The seats are already counted in `sold`: a waitlist hold or a resold ticket changes hands. Such
   * an order skips the sale-window and sold-out checks (the hold is why the event is sold out).
   */
  reserved?: boolean;
}

/**
 * Before a type's sales start, a season member whose presale is open may buy; anyone else gets 403
 * `presale_members_only` while a member presale runs, else 422 `not_on_sale`.
 */
function assertOnSaleWindow(tt: TicketTypeRow, now: Date, season: SeasonOrderTerms): void {
  const early = tt.sales_start_at && now < tt.sales_start_at;
  if (early && !season.admitsEarly && season.presaleRunning)
    throw new AppError(403, 'presale_members_only', 'Only season members may buy during the member presale', {
      ticket_type_id: tt.id,
      sales_start_at: tt.sales_start_at?.toISOString(),
    });
  if ((early && !season.admitsEarly) || (tt.sales_end_at && now > tt.sales_end_at)) {
    throw new AppError(422, 'not_on_sale', `Ticket type ${tt.id} is not on sale at this time`, {
      ticket_type_id: tt.id,
    });
  }
}

/**
 * Reserves inventory and records the order in one transaction. Each reservation is a conditional
 * update (`sold + n <= inventory`), taken in ticket-type order so concurrent orders never deadlock:
 * Postgres, not the process, decides who gets the last ticket.
 */
export async function placeOrder(
  tx: Tx,
  tenantId: string,
  input: PlaceOrderInput,
): Promise<{ order: OrderRow; items: OrderItemRow[] }> {
  const now = input.now ?? new Date();
  const event = await getEvent(tx, input.eventId);
  if (!event) throw notFound('Event');
  if (input.reserved ? ['ended', 'cancelled'].includes(event.status) : !isSellable(event.status)) {
    const code = event.status === 'sold_out' ? 'sold_out' : 'event_not_on_sale';
    throw new AppError(event.status === 'sold_out' ? 409 : 422, code, `The event is ${event.status.replace('_', ' ')}`);
  }
  const types = await ticketTypesOfEvent(
    tx,
    input.eventId,
    input.lines.map((l) => l.ticketTypeId),
  );
  const season = await seasonOrderTerms(tx, tenantId, { customerId: input.customerId, eventId: input.eventId, now });
  if (season.membersOnlyRefused && !input.reserved)
    throw new AppError(403, 'members_only_event', 'This event is sold to season members only', {
      event_id: input.eventId,
    });
  const prices = await priceOrderLines(tx, tenantId, {
    customerId: input.customerId,
    eventId: input.eventId,
    quoteToken: input.quoteToken,
    ticketTypeIds: input.lines.map((l) => l.ticketTypeId),
    now,
  });
  const lines = input.lines.map((l) => {
    const tt = types.get(l.ticketTypeId);
    if (!tt)
      throw new AppError(422, 'unknown_ticket_type', `Ticket type ${l.ticketTypeId} does not belong to this event`, {
        ticket_type_id: l.ticketTypeId,
      });
    if (!input.reserved) assertOnSaleWindow(tt, now, season);
    const priced = prices.get(l.ticketTypeId);
    const listed = priced?.unitPriceMinor ?? tt.price_minor;
    return {
      ...l,
      // A season member's discount applies to what the shop sells, never to a held or resold seat's price.
      unitPriceMinor: l.unitPriceMinor ?? (input.reserved ? listed : memberUnitPrice(listed, season.discountPercent)),
      currency: tt.currency.trim(),
    };
  });
  const priced = priceOrder(lines);
  if (!priced.ok) throw new AppError(422, priced.code, `The order cannot be priced: ${priced.code.replace(/_/g, ' ')}`);

  const soldOutTypes: number[] = [];
  for (const line of input.reserved ? [] : [...lines].sort((a, b) => a.ticketTypeId - b.ticketTypeId)) {
    const row = await takeInventory(tx, line.ticketTypeId, line.quantity);
    if (!row) {
      const remaining = (types.get(line.ticketTypeId)?.inventory ?? 0) - (types.get(line.ticketTypeId)?.sold ?? 0);
      throw new AppError(409, 'sold_out', `Not enough tickets left of type ${line.ticketTypeId}`, {
        ticket_type_id: line.ticketTypeId,
        requested: line.quantity,
        remaining: Math.max(remaining, 0),
      });
    }
    if (row.sold === row.inventory) soldOutTypes.push(line.ticketTypeId);
  }
  const upsells = await reserveUpsellLines(tx, {
    eventId: input.eventId,
    currency: priced.currency,
    ticketCount: lines.reduce((n, l) => n + l.quantity, 0),
    lines: input.upsells ?? [],
    now,
  });

  const [{ seq }] = (await tx.raw("select nextval('order_number_seq')::bigint as seq")).rows as { seq: number }[];
  const [order] = (await tx('orders')
    .insert({
      tenant_id: tenantId,
      event_id: input.eventId,
      customer_id: input.customerId,
      order_number: formatOrderNumber(Number(seq)),
      currency: priced.currency,
      total_minor: priced.totalMinor + upsells.totalMinor,
      payment_provider: input.provider,
      external_ref: input.externalRef ?? null,
      channel: input.channel ?? null,
      promo_code: input.promoCode ?? null,
    })
    .returning('*')) as OrderRow[];
  const items = (await tx('order_items')
    .insert(
      lines.map((l, i) => {
        // What set the price, unless the caller fixed it (a resale's listing price).
        const set = input.lines[i].unitPriceMinor === undefined ? prices.get(l.ticketTypeId) : undefined;
        return {
          tenant_id: tenantId,
          order_id: order.id,
          ticket_type_id: l.ticketTypeId,
          quantity: l.quantity,
          unit_price_minor: l.unitPriceMinor,
          ticket_codes: l.codes ?? null,
          price_rule_id: set?.priceRuleId ?? null,
          price_quote_id: set?.quoteId ?? null,
        };
      }),
    )
    .returning('*')) as OrderItemRow[];
  await insertUpsellLines(tx, tenantId, order.id, upsells);

  await emit(
    tx,
    tenantId,
    soldOutTypes.map((id) => ({
      type: 'ticket_type.sold_out',
      aggregateType: 'ticket_type',
      aggregateId: id,
      payload: { ticket_type_id: id, event_id: input.eventId },
    })),
  );
  if (!input.reserved) await syncSoldOutStatus(tx, tenantId, input.eventId);
  await emit(tx, tenantId, {
    type: 'order.placed',
    aggregateType: 'order',
    aggregateId: order.id,
    payload: { order_id: order.id, event_id: input.eventId, total_minor: order.total_minor, currency: order.currency },
  });
  return { order, items };
}
