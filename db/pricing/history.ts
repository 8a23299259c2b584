import type { Tx } from '../connection';

export interface PriceChangeRow {
  id: number;
  tenant_id: string;
  ticket_type_id: number;
  old_price_minor: number;
  new_price_minor: number;
  reason: string;
  rule_id: number | null;
  source: 'rule' | 'manual' | 'test';
  changed_at: Date;
}

const DAY_MS = 86_400_000;

/** What the guardrails need to know of a ticket type's past prices (see `applyGuardrails`). */
export interface GuardrailFacts {
  /** The lowest price buyers could pay in the 30 days before now (EU Omnibus Directive). */
  lowest30dMinor: number;
  /** The price in force 24 hours before now. */
  priceAtStartOfDayMinor: number;
  lastChangeAt: Date | null;
  /** The rule that set the current price (its last change's), if any. */
  lastRuleId: number | null;
}

/**
 * The guardrail facts of many ticket types in one statement, each from index probes of
 * `price_changes_ticket_type`. The price at an instant is the last change at or before it, else the
 * price the first later change started from, else the current price (never changed); the 30-day
 * lowest is the lowest of the price at the window's start, every price set within it and now.
 */
export async function guardrailFacts(
  tx: Tx,
  current: readonly { id: number; priceMinor: number }[],
  now: Date,
): Promise<Map<number, GuardrailFacts>> {
  if (!current.length) return new Map();
  const priceAt = (at: string) => `coalesce(
      (select new_price_minor from price_changes p where p.ticket_type_id = t.id and p.changed_at <= ${at}
        order by changed_at desc, id desc limit 1),
      (select old_price_minor from price_changes p where p.ticket_type_id = t.id and p.changed_at > ${at}
        order by changed_at, id limit 1),
      t.current)`;
  const { rows } = await tx.raw<{
    rows: { id: number; lowest: number; day_start: number; last_at: Date | null; last_rule: number | null }[];
  }>(
    `select t.id,
        least(${priceAt(':from')},
          (select min(new_price_minor) from price_changes p
            where p.ticket_type_id = t.id and p.changed_at > :from and p.changed_at <= :now),
          t.current) as lowest,
        ${priceAt(':day')} as day_start,
        last.changed_at as last_at, last.rule_id as last_rule
      from unnest(cast(:ids as bigint[]), cast(:prices as int[])) as t(id, current)
      left join lateral (select changed_at, rule_id from price_changes p where p.ticket_type_id = t.id
        order by changed_at desc, id desc limit 1) last on true`,
    {
      ids: current.map((c) => c.id),
      prices: current.map((c) => c.priceMinor),
      from: new Date(now.getTime() - 30 * DAY_MS),
      day: new Date(now.getTime() - DAY_MS),
      now,
    },
  );
  return new Map(
    rows.map((r) => [
      Number(r.id),
      {
        lowest30dMinor: r.lowest,
        priceAtStartOfDayMinor: r.day_start,
        lastChangeAt: r.last_at,
        lastRuleId: r.last_rule === null ? null : Number(r.last_rule),
      },
    ]),
  );
}

/** A ticket type's changes, oldest first, paged by id. */
export async function listPriceChanges(
  tx: Tx,
  ticketTypeId: number,
  opts: { limit: number; after?: number },
): Promise<PriceChangeRow[]> {
  return tx<PriceChangeRow>('price_changes')
    .where({ ticket_type_id: ticketTypeId })
    .andWhere('id', '>', opts.after ?? 0)
    .orderBy('id')
    .limit(opts.limit);
}
