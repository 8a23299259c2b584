import { createHash } from 'node:crypto';

/**
 * Which arm of a price test a visitor sees: a stable hash of the test and the visitor ('c:<customer>'
 * or 'v:<visitor id>') read as a point in [0, 1), placed on the arms' cumulative weights. The same
 * visitor lands in the same arm for the same weights; the first arm drawn is kept as an exposure,
 * so later weight shifts (Thompson mode) move only new visitors.
 */
export function hashPoint(testId: number, visitor: string): number {
  const digest = createHash('sha256').update(`price-test:${testId}:${visitor}`).digest();
  // 48 bits: exact in a double, far finer than any traffic split.
  return digest.readUIntBE(0, 6) / 2 ** 48;
}

export function assignArm(testId: number, visitor: string, weights: readonly number[]): number {
  const total = weights.reduce((a, w) => a + Math.max(0, w), 0);
  if (total <= 0) return 0;
  const point = hashPoint(testId, visitor) * total;
  let cumulative = 0;
  for (let arm = 0; arm < weights.length; arm++) {
    cumulative += Math.max(0, weights[arm]);
    if (point < cumulative) return arm;
  }
  // Rounding at the top end: the last arm with any weight.
  for (let arm = weights.length - 1; arm >= 0; arm--) if (weights[arm] > 0) return arm;
  return 0;
}

export const visitorKey = (q: { customerId?: number | null; visitorId?: string | null }): string =>
  q.customerId ? `c:${q.customerId}` : `v:${q.visitorId ?? ''}`;
