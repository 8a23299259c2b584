import type { Tx } from '../connection';

export interface PriceChangeInput {
  ticketTypeId: number;
  priceMinor: number;
  reason: string;
  ruleId: number | null;
  source: 'rule' | 'manual' | 'test';
  now?: Date;
}

export interface PriceChangeResult {
  changed: boolean;
  oldPriceMinor: number;
  newPriceMinor: number;
  /** The lowest price of the prior 30 days (EU Omnibus Directive), returned with every reduction. */
  lowest30dMinor: number;
}

/**
 * Applies a price to a ticket type within the tenant's guardrails: writes `price_changes`, updates
 * the price buyers pay and emits `price.changed`, all in the caller's transaction.
 */
export async function applyPriceChange(
  _tx: Tx,
  _tenantId: string,
  _input: PriceChangeInput,
): Promise<PriceChangeResult> {
  throw new Error('not built yet');
}
