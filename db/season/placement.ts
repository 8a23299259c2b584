import type { Tx } from '../connection';

export interface SeasonOrderTerms {
  /** The customer is a member whose presale for this event is open now: ticket types not yet on sale admit them. */
  admitsEarly: boolean;
  /** A member presale is running for this event now: others are refused with 403 `presale_members_only`. */
  presaleRunning: boolean;
  /** The member discount on ticket prices, 0–100. */
  discountPercent: number;
}

/** A season member's benefits at order placement (presale access, discount). */
export async function seasonOrderTerms(
  _tx: Tx,
  _tenantId: string,
  _input: { customerId: number; eventId: number; now: Date },
): Promise<SeasonOrderTerms> {
  return { admitsEarly: false, presaleRunning: false, discountPercent: 0 };
}
