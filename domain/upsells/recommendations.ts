/**
 * "You might also like": item-to-item co-occurrence ranked by lift, from the tenant's own buyers.
 * Items are events (`e<id>`) and add-on products (`p<id>`); a buyer's basket is every item they bought.
 * lift(a, b) = n(a, b) · N / (n(a) · n(b)): how much more often b goes with a than by chance.
 */
export type ItemKey = `e${number}` | `p${number}`;

export interface Model {
  buyers: number;
  /** Buyers of each item. */
  counts: Map<ItemKey, number>;
  /** Buyers of both, per pair (each pair both ways). */
  pairs: Map<ItemKey, Map<ItemKey, number>>;
}

/** Co-occurrences below this many buyers are noise and left out (a lift from one buyer means little). */
export const MIN_PAIR_SUPPORT = 2;

export function buildModel(baskets: Iterable<Iterable<ItemKey>>): Model {
  const counts = new Map<ItemKey, number>();
  const pairs = new Map<ItemKey, Map<ItemKey, number>>();
  let buyers = 0;
  for (const basket of baskets) {
    const items = [...new Set(basket)];
    if (!items.length) continue;
    buyers++;
    for (const a of items) {
      counts.set(a, (counts.get(a) ?? 0) + 1);
      let row = pairs.get(a);
      if (!row) pairs.set(a, (row = new Map()));
      for (const b of items) if (a !== b) row.set(b, (row.get(b) ?? 0) + 1);
    }
  }
  return { buyers, counts, pairs };
}

export function lift(m: Model, a: ItemKey, b: ItemKey): number {
  const both = m.pairs.get(a)?.get(b) ?? 0;
  if (both < MIN_PAIR_SUPPORT) return 0;
  return (both * m.buyers) / ((m.counts.get(a) ?? 1) * (m.counts.get(b) ?? 1));
}

export interface Context {
  /** What is in the cart or being looked at now (weighs fully). */
  current: ItemKey[];
  /** What the customer bought before (weighs `HISTORY_WEIGHT`). */
  history: ItemKey[];
  /** The category of the current event, and each candidate event's category. */
  category: string | null;
  categoryOf: (item: ItemKey) => string | null | undefined;
}

export interface Recommendation {
  item: ItemKey;
  score: number;
  reason: 'co_purchase' | 'category' | 'popular';
}

export const HISTORY_WEIGHT = 0.5;
/** Worth as much as a lift of 1 (chance) from the cart: a same-category event ranks above unrelated ones. */
export const CATEGORY_BONUS = 1;

/**
 * Scores each candidate (never one the customer has or is buying): the summed lift from the cart
 * and (weighted down) from the history, a bonus for the current event's category, and popularity
 * (share of buyers, below 1) so that a cold start, with nothing to go on, ranks by popularity.
 */
export function recommend(m: Model, ctx: Context, candidates: Iterable<ItemKey>, limit: number): Recommendation[] {
  const owned = new Set([...ctx.current, ...ctx.history]);
  const seeds: [ItemKey, number][] = [
    ...ctx.current.map((i): [ItemKey, number] => [i, 1]),
    ...ctx.history.map((i): [ItemKey, number] => [i, HISTORY_WEIGHT]),
  ];
  const out: Recommendation[] = [];
  for (const item of candidates) {
    if (owned.has(item)) continue;
    let co = 0;
    for (const [seed, weight] of seeds) co += weight * lift(m, seed, item);
    const sameCategory = ctx.category !== null && ctx.categoryOf(item) === ctx.category;
    const popularity = m.buyers ? (m.counts.get(item) ?? 0) / m.buyers : 0;
    const score = co + (sameCategory ? CATEGORY_BONUS : 0) + popularity;
    out.push({ item, score, reason: co > 0 ? 'co_purchase' : sameCategory ? 'category' : 'popular' });
  }
  return out.sort((a, b) => b.score - a.score || a.item.localeCompare(b.item)).slice(0, limit);
}

/** Precision@k of one hold-out: the share of the top k that the customer went on to buy. */
export function precisionAtK(recommended: ItemKey[], bought: Set<ItemKey>, k: number): number {
  return recommended.slice(0, k).filter((i) => bought.has(i)).length / k;
}
