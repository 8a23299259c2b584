import type { Tx } from '../connection';

/** Figures the insights trigger computes once an event has ended. */
export interface EventSummaryRow {
  tenant_id: string;
  event_id: number;
  tickets_sold: number;
  tickets_cancelled: number;
  revenue_minor: number;
  currency: string | null;
  orders: number;
  computed_at: Date;
}

export async function getEventSummary(tx: Tx, eventId: number): Promise<EventSummaryRow | undefined> {
  return tx<EventSummaryRow>('event_summaries').where({ event_id: eventId }).first();
}
