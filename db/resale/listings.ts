import type { Tx } from '../connection';
import { AppError, conflict, notFound, unprocessable } from '../../lib/errors';
import { checkListing, checkPrice, maxAllowedPrice, suggestFairPrice } from '../../domain/waitlist/resale';
import type { WaitlistSettings } from '../../domain/waitlist/settings';
import { presenceOf } from '../checkin/lookup';
import { getEvent } from '../events/events';
import type { OrderRow } from '../orders/orders';
import { emit } from '../platform/outbox';
import { getTicket, type TicketRow } from '../tickets/tickets';
import { loadWaitlistSettings } from '../waitlist/settings';
import { getSeller } from './sellers';

export const LISTING_STATUSES = ['active', 'sold', 'cancelled', 'expired'] as const;
export type ListingStatus = (typeof LISTING_STATUSES)[number];

export interface ListingRow {
  id: number;
  tenant_id: string;
  event_id: number;
  ticket_type_id: number;
  ticket_id: number;
  seller_customer_id: number;
  currency: string;
  original_price_minor: number;
  asking_price_minor: number;
  max_allowed_price_minor: number;
  status: ListingStatus;
  listed_at: Date;
  sold_at: Date | null;
  buyer_customer_id: number | null;
  platform_fee_minor: number | null;
  seller_payout_minor: number | null;
  order_id: number | null;
  new_ticket_id: number | null;
  /** The purchase attempt holding the listing (see `claimListing`); kept once sold, naming the attempt that bought it. */
  purchase_claim: string | null;
  claimed_until: Date | null;
  updated_at: Date;
}

export async function getListing(tx: Tx, id: number, opts: { lock?: boolean } = {}): Promise<ListingRow | undefined> {
  const q = tx<ListingRow>('resale_listings').where({ id }).first();
  return opts.lock ? q.forUpdate() : q;
}

export async function listListings(
  tx: Tx,
  filter: {
    status?: ListingStatus;
    eventId?: number;
    ticketTypeId?: number;
    sellerId?: number;
    buyerId?: number;
    after?: number;
    limit: number;
  },
): Promise<ListingRow[]> {
  const q = tx<ListingRow>('resale_listings').orderBy('id').limit(filter.limit);
  if (filter.status) q.where('status', filter.status);
  if (filter.eventId) q.where('event_id', filter.eventId);
  if (filter.ticketTypeId) q.where('ticket_type_id', filter.ticketTypeId);
  if (filter.sellerId) q.where('seller_customer_id', filter.sellerId);
  if (filter.buyerId) q.where('buyer_customer_id', filter.buyerId);
  if (filter.after) q.where('id', '>', filter.after);
  return q;
}

/** What others ask for the same ticket type, for the fair-price suggestion. */
export async function suggestedPriceFor(
  tx: Tx,
  listing: Pick<ListingRow, 'id' | 'ticket_type_id' | 'original_price_minor' | 'max_allowed_price_minor'>,
): Promise<number> {
  const others = (await tx('resale_listings')
    .where({ ticket_type_id: listing.ticket_type_id, status: 'active' })
    .whereNot({ id: listing.id })
    .limit(200)
    .pluck('asking_price_minor')) as number[];
  return suggestFairPrice(listing.original_price_minor, listing.max_allowed_price_minor, others);
}

async function originalPrice(tx: Tx, ticket: TicketRow): Promise<{ priceMinor: number; currency: string }> {
  const item = await tx('order_items')
    .where({ order_id: ticket.order_id, ticket_type_id: ticket.ticket_type_id })
    .first('unit_price_minor');
  const order = await tx<OrderRow>('orders').where({ id: ticket.order_id }).first('currency');
  return { priceMinor: item?.unit_price_minor ?? 0, currency: (order?.currency ?? 'EUR').trim() };
}

function assertVerdict(verdict: ReturnType<typeof checkListing>): void {
  if (!verdict.ok)
    throw new AppError(
      verdict.status,
      verdict.code,
      verdict.message,
      verdict.maxAllowedMinor !== undefined ? { max_allowed_price_minor: verdict.maxAllowedMinor } : undefined,
    );
}

/** Lists a ticket under the tenant's anti-scalping rules; the `resale.listed` event offers it to the waitlist first. */
export async function createListing(
  tx: Tx,
  tenantId: string,
  input: { ticketId: number; sellerId: number; askingMinor: number; requirePayoutAccount: boolean; now?: Date },
): Promise<ListingRow> {
  const ticket = await getTicket(tx, input.ticketId, { lock: true });
  if (!ticket || ticket.customer_id !== input.sellerId) throw notFound('Ticket');
  const settings = await loadWaitlistSettings(tx);
  // One connection: these run one after another.
  const event = await getEvent(tx, ticket.event_id);
  const seller = await getSeller(tx, input.sellerId);
  const original = await originalPrice(tx, ticket);
  const active = await tx('resale_listings')
    .where({ seller_customer_id: input.sellerId, status: 'active' })
    .count<{ count: string }[]>({ count: '*' });
  if (await tx('resale_listings').where({ ticket_id: ticket.id, status: 'active' }).first('id'))
    throw conflict('already_listed', 'This ticket is already listed');
  assertVerdict(
    checkListing(
      {
        ticketStatus: ticket.status,
        ticketAdmitted: Boolean(await presenceOf(tx, ticket.id)),
        ticketIssuedAt: ticket.created_at,
        eventStatus: event?.status ?? 'cancelled',
        originalMinor: original.priceMinor,
        askingMinor: input.askingMinor,
        sellerVerified: seller?.verified ?? false,
        sellerActiveListings: Number(active[0].count),
        now: input.now ?? new Date(),
      },
      settings,
    ),
  );
  if (input.requirePayoutAccount && !seller?.payout_account)
    throw unprocessable('payout_account_missing', 'The seller needs a connected payout account to be paid');
  const [row] = (await tx('resale_listings')
    .insert({
      tenant_id: tenantId,
      event_id: ticket.event_id,
      ticket_type_id: ticket.ticket_type_id,
      ticket_id: ticket.id,
      seller_customer_id: input.sellerId,
      currency: original.currency,
      original_price_minor: original.priceMinor,
      asking_price_minor: input.askingMinor,
      max_allowed_price_minor: maxAllowedPrice(original.priceMinor, settings.priceCapPercent),
    })
    .returning('*')) as ListingRow[];
  await emit(tx, tenantId, {
    type: 'resale.listed',
    aggregateType: 'resale_listing',
    aggregateId: row.id,
    payload: {
      listing_id: row.id,
      event_id: row.event_id,
      ticket_type_id: row.ticket_type_id,
      asking_price_minor: row.asking_price_minor,
    },
  });
  return row;
}

export async function updateListingPrice(
  tx: Tx,
  listing: ListingRow,
  askingMinor: number,
  settings: WaitlistSettings,
): Promise<ListingRow> {
  if (listing.status !== 'active') throw conflict('listing_not_active', `The listing is ${listing.status}`);
  assertVerdict(checkPrice(askingMinor, listing.original_price_minor, settings));
  const [row] = await tx('resale_listings')
    .where({ id: listing.id })
    .update({ asking_price_minor: askingMinor, updated_at: tx.fn.now() })
    .returning('*');
  return row;
}

export async function cancelListing(tx: Tx, tenantId: string, listing: ListingRow): Promise<ListingRow> {
  if (listing.status === 'cancelled') return listing;
  if (listing.status !== 'active') throw conflict('listing_not_active', `The listing is ${listing.status}`);
  const [row] = await tx('resale_listings')
    .where({ id: listing.id })
    .update({ status: 'cancelled', updated_at: tx.fn.now() })
    .returning('*');
  await emit(tx, tenantId, {
    type: 'resale.cancelled',
    aggregateType: 'resale_listing',
    aggregateId: listing.id,
    payload: { listing_id: listing.id, event_id: listing.event_id },
  });
  return row;
}

/** A listed ticket that was cancelled or refunded can no longer be sold: its listing is withdrawn. */
export async function withdrawListingsOfInvalidTickets(tx: Tx, tenantId: string, eventId: number): Promise<number[]> {
  const withdrawn = (await tx('resale_listings')
    .where({ event_id: eventId, status: 'active' })
    .whereIn('ticket_id', tx('tickets').select('id').where({ event_id: eventId }).whereNot({ status: 'valid' }))
    .update({ status: 'cancelled', updated_at: tx.fn.now() })
    .returning('id')) as { id: number }[];
  await emit(
    tx,
    tenantId,
    withdrawn.map(({ id }) => ({
      type: 'resale.cancelled',
      aggregateType: 'resale_listing',
      aggregateId: id,
      payload: { listing_id: id, event_id: eventId, reason: 'ticket no longer valid' },
    })),
  );
  return withdrawn.map((w) => w.id);
}
