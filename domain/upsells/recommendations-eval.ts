import { mean } from 'simple-statistics';
import { buildModel, precisionAtK, recommend, type ItemKey } from './recommendations';

export interface Purchase {
  customerId: number;
  item: ItemKey;
  at: number;
}

export interface Evaluation {
  precision_at_5: number;
  customers_evaluated: number;
  train_purchases: number;
  test_purchases: number;
}

/**
 * Offline evaluation on a hold-out of past orders: each customer's latest event purchase (of those with
 * at least two) is hidden, the model is built on every other purchase, and the customer is recommended
 * 5 events they had not bought; precision@5 is the mean share of those the customer did buy (with one
 * event held out, at most 0.2). The context is what a cart would give: the customer's latest earlier
 * event, its category, and the rest of their history.
 */
export function evaluateHoldout(
  purchases: Purchase[],
  categoryOf: (item: ItemKey) => string | null | undefined,
): Evaluation {
  const byCustomer = new Map<number, Purchase[]>();
  for (const p of purchases) byCustomer.set(p.customerId, [...(byCustomer.get(p.customerId) ?? []), p]);
  const train: ItemKey[][] = [];
  const cases: { before: Purchase[]; heldOut: ItemKey }[] = [];
  for (const rows of byCustomer.values()) {
    rows.sort((a, b) => a.at - b.at);
    const events = rows.filter((r) => r.item.startsWith('e'));
    const last = events.length >= 2 ? events[events.length - 1] : undefined;
    const before = rows.filter((r) => r !== last);
    train.push(before.map((r) => r.item));
    if (last) cases.push({ before: before.filter((r) => r.item.startsWith('e')), heldOut: last.item });
  }
  const model = buildModel(train);
  const events = [...new Set(purchases.map((p) => p.item).filter((i) => i.startsWith('e')))];
  const scores = cases.map(({ before, heldOut }) => {
    const current = before[before.length - 1].item;
    const top = recommend(
      model,
      {
        current: [current],
        history: before.slice(0, -1).map((b) => b.item),
        category: categoryOf(current) ?? null,
        categoryOf,
      },
      events,
      5,
    );
    return precisionAtK(
      top.map((r) => r.item),
      new Set([heldOut]),
      5,
    );
  });
  return {
    precision_at_5: scores.length ? Math.round(mean(scores) * 1000) / 1000 : 0,
    customers_evaluated: scores.length,
    train_purchases: purchases.length - cases.length,
    test_purchases: cases.length,
  };
}
