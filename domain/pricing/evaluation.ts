/** What each strategy's evaluator shares with the engine: its outcome and the horizon it extends. */

/** A rule's price when it applies. */
export interface RuleOutcome {
  priceMinor: number;
  reason: string;
  label: string | null;
}

/** The soonest instant after `nowMs` at which some rule's outcome may change by time alone. */
export class Horizon {
  nextMs = Infinity;

  constructor(readonly nowMs: number) {}

  /** Notes a future boundary; past or present ones are ignored. */
  add(ms: number): void {
    if (ms > this.nowMs && ms < this.nextMs) this.nextMs = ms;
  }
}
