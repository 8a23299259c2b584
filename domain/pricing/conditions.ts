/**
 * Evaluates parsed conditions (grammar.ts) against a ticket type's sales. Velocity is the tickets
 * sold in the window (now - window, now], scaled to the condition's unit: 120 tickets over a 2 h
 * window is 60/hour. The last window's count is memoised for one evaluation.
 */
import type { Comparator, Condition } from './grammar';

export interface SalesFacts {
  nowMs: number;
  /** Total quantity on sale (capacity). */
  inventory: number;
  sold: number;
  /** Oldest first. */
  sales: readonly { at: Date; quantity: number }[];
  /** The last window counted and its count, for this evaluation (rules mostly share one window). */
  memoWindowMs: number;
  memoCount: number;
}

export function compare(left: number, op: Comparator, right: number): boolean {
  switch (op) {
    case '<':
      return left < right;
    case '<=':
      return left <= right;
    case '>':
      return left > right;
    case '>=':
      return left >= right;
    case '=':
      return left === right;
    case '!=':
      return left !== right;
  }
}

/** Tickets sold in (now - windowMs, now]: a binary search for the window's start, then a sum. */
export function soldInWindow(facts: SalesFacts, windowMs: number): number {
  if (facts.memoWindowMs === windowMs) return facts.memoCount;
  const { sales, nowMs } = facts;
  const from = nowMs - windowMs;
  let lo = 0;
  let hi = sales.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sales[mid].at.getTime() <= from) lo = mid + 1;
    else hi = mid;
  }
  let count = 0;
  for (let i = lo; i < sales.length; i++) {
    const sale = sales[i];
    if (sale.at.getTime() > nowMs) break;
    count += sale.quantity;
  }
  facts.memoWindowMs = windowMs;
  facts.memoCount = count;
  return count;
}

function stockHolds(facts: SalesFacts, c: Extract<Condition, { kind: 'stock' }>): boolean {
  const inventory = Math.max(0, facts.inventory);
  const sold = Math.min(Math.max(0, facts.sold), inventory);
  const amount = c.metric === 'sold' ? sold : inventory - sold;
  if (!c.percent) return compare(amount, c.op, c.value);
  // Shares compared as amount * 100 vs value * inventory, so 80 of 100 is exactly 80%. With no
  // inventory at all, everything counts as sold (0% remaining, 100% sold).
  if (inventory === 0) return compare(c.metric === 'sold' ? 100 : 0, c.op, c.value);
  return compare(amount * 100, c.op, c.value * inventory);
}

export function holds(condition: Condition, facts: SalesFacts, windowMs: number | null): boolean {
  switch (condition.kind) {
    case 'velocity': {
      // count/window op perUnit/unit, cross-multiplied so whole rates compare exactly.
      const window = windowMs ?? condition.unitMs;
      return compare(soldInWindow(facts, window) * condition.unitMs, condition.op, condition.perUnit * window);
    }
    case 'stock':
      return stockHolds(facts, condition);
    case 'and':
      for (const c of condition.conditions) if (!holds(c, facts, windowMs)) return false;
      return true;
    case 'or':
      for (const c of condition.conditions) if (holds(c, facts, windowMs)) return true;
      return false;
  }
}
