export const EVENT_STATUSES = ['draft', 'on_sale', 'sold_out', 'ended', 'cancelled'] as const;
export type EventStatus = (typeof EVENT_STATUSES)[number];

/** Transitions a tenant may ask for; sold_out and on_sale also follow inventory by themselves. */
const ALLOWED: Record<EventStatus, readonly EventStatus[]> = {
  draft: ['on_sale', 'cancelled'],
  on_sale: ['draft', 'sold_out', 'ended', 'cancelled'],
  sold_out: ['on_sale', 'ended', 'cancelled'],
  ended: [],
  cancelled: [],
};

export function canTransition(from: EventStatus, to: EventStatus): boolean {
  return from === to || ALLOWED[from].includes(to);
}

export const isSellable = (status: EventStatus): boolean => status === 'on_sale';

/**
 * After inventory moves, an on-sale event with nothing left is sold out, and a sold-out one with
 * stock is on sale again. An event with no inventory at all has not sold out: it has nothing on sale yet.
 */
export function statusAfterInventoryChange(status: EventStatus, remaining: number, inventory: number): EventStatus {
  if (status === 'on_sale' && inventory > 0 && remaining <= 0) return 'sold_out';
  if (status === 'sold_out' && remaining > 0) return 'on_sale';
  return status;
}
