import type { Tx } from '../connection';
import { emit, type DomainEvent } from '../platform/outbox';
import {
  applyGuardrails,
  type GuardrailLimit,
  type GuardrailOutcome,
  type PricingGuardrails,
} from '../../domain/pricing/guardrails';
import { guardrailsOf, type PricingSettings } from '../../domain/pricing/settings';
import { guardrailFacts, type GuardrailFacts } from './history';

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
  /** The guardrails that held the proposed price back, in the order they applied. */
  limitedBy?: GuardrailLimit[];
  /** When `min_interval` held the price: the earliest time it may change. */
  retryAt?: Date | null;
}

/** The tenant's pricing settings (the `pricing` row of tenant_modules); unset keys are defaults. */
export async function pricingSettings(tx: Tx): Promise<PricingSettings> {
  const row = await tx('tenant_modules').where({ module: 'pricing' }).first('settings');
  return (row?.settings ?? {}) as PricingSettings;
}

interface PricedRow {
  id: number;
  event_id: number;
  price_minor: number;
  currency: string;
}

const PRICED = ['id', 'event_id', 'price_minor', 'currency'] as const;
/** Events per insert: well under Postgres' 65,535 bind parameters. */
const CHUNK = 1000;

function verdict(row: PricedRow, input: PriceChangeInput, facts: GuardrailFacts, g: PricingGuardrails, now: Date) {
  return applyGuardrails({
    proposedMinor: input.priceMinor,
    currentMinor: row.price_minor,
    now,
    guardrails: g,
    priceAtStartOfDayMinor: facts.priceAtStartOfDayMinor,
    lastChangeAt: facts.lastChangeAt,
    lowest30dMinor: facts.lowest30dMinor,
  });
}

const resultOf = (row: PricedRow, o: GuardrailOutcome, f: GuardrailFacts, changed: boolean): PriceChangeResult => ({
  changed,
  oldPriceMinor: row.price_minor,
  newPriceMinor: changed ? o.priceMinor : row.price_minor,
  lowest30dMinor: f.lowest30dMinor,
  limitedBy: o.limitedBy,
  retryAt: o.retryAt,
});

interface Decided {
  row: PricedRow;
  facts: GuardrailFacts;
  outcome: GuardrailOutcome;
}

async function decideAll(
  tx: Tx,
  rows: PricedRow[],
  byId: Map<number, PriceChangeInput>,
  g: PricingGuardrails,
  now: Date,
  known?: Map<number, GuardrailFacts>,
): Promise<Map<number, Decided>> {
  const missing = known ? rows.filter((r) => !known.has(r.id)) : rows;
  const facts = new Map([
    ...(known ?? []),
    ...(await guardrailFacts(
      tx,
      missing.map((r) => ({ id: r.id, priceMinor: r.price_minor })),
      now,
    )),
  ]);
  return new Map(
    rows.map((r) => {
      const f = facts.get(r.id) as GuardrailFacts;
      return [r.id, { row: r, facts: f, outcome: verdict(r, byId.get(r.id) as PriceChangeInput, f, g, now) }];
    }),
  );
}

/**
 * Applies prices to many ticket types (one input each) within the tenant's guardrails, set-based:
 * the guardrails are checked first without a lock (most evaluations change nothing); the changing
 * rows are then locked `for no key update` in id order, as orders reserve them, and a row whose
 * price moved meanwhile is decided again. Nothing here locks an event, so "ticket type, then
 * event" holds. Writes `price_changes`, the price buyers pay and `price.changed`, in `tx`.
 */
export async function applyPriceChanges(
  tx: Tx,
  tenantId: string,
  inputs: readonly PriceChangeInput[],
  known?: { guardrails: PricingGuardrails; facts?: Map<number, GuardrailFacts> },
): Promise<Map<number, PriceChangeResult>> {
  const g = known?.guardrails ?? guardrailsOf(await pricingSettings(tx));
  const byId = new Map(inputs.map((i) => [i.ticketTypeId, i]));
  // One instant for the whole batch, so every row is judged against the same clock.
  const now = inputs[0]?.now ?? new Date();
  const seen = await tx<PricedRow>('ticket_types')
    .whereIn('id', [...byId.keys()])
    .select<PricedRow[]>([...PRICED]);
  const decided = await decideAll(tx, seen, byId, g, now, known?.facts);
  const results = new Map<number, PriceChangeResult>();
  for (const d of decided.values())
    if (!d.outcome.changed) results.set(d.row.id, resultOf(d.row, d.outcome, d.facts, false));
  const changing = [...decided.values()].filter((d) => d.outcome.changed).map((d) => d.row.id);
  if (!changing.length) return results;

  const locked = await tx<PricedRow>('ticket_types')
    .whereIn('id', changing)
    .orderBy('id')
    .forNoKeyUpdate()
    .select<PricedRow[]>([...PRICED]);
  const moved = locked.filter((r) => r.price_minor !== decided.get(r.id)?.row.price_minor);
  for (const [id, d] of await decideAll(tx, moved, byId, g, now)) decided.set(id, d);
  const final = locked.map((r) => decided.get(r.id) as Decided);
  const apply = final.filter((d) => d.outcome.changed);
  for (const d of final) if (!d.outcome.changed) results.set(d.row.id, resultOf(d.row, d.outcome, d.facts, false));
  if (!apply.length) return results;

  await tx.raw(
    `update ticket_types t set price_minor = v.price,
        base_price_minor = coalesce(t.base_price_minor, t.price_minor), updated_at = now()
      from unnest(cast(? as bigint[]), cast(? as int[])) as v(id, price) where t.id = v.id`,
    [apply.map((d) => d.row.id), apply.map((d) => d.outcome.priceMinor)],
  );
  const events: DomainEvent<'price.changed'>[] = [];
  // One statement over arrays: a few bind parameters however many rows.
  await tx.raw(
    `insert into price_changes (tenant_id, ticket_type_id, old_price_minor, new_price_minor, reason, rule_id, source, changed_at)
     select ?, * from unnest(cast(? as bigint[]), cast(? as int[]), cast(? as int[]), cast(? as text[]),
       cast(? as bigint[]), cast(? as text[]), cast(? as timestamptz[]))`,
    [
      tenantId,
      apply.map((d) => d.row.id),
      apply.map((d) => d.row.price_minor),
      apply.map((d) => d.outcome.priceMinor),
      apply.map((d) => (byId.get(d.row.id) as PriceChangeInput).reason),
      // knex's binding types leave out null array elements, which pg sends as SQL nulls.
      apply.map((d) => (byId.get(d.row.id) as PriceChangeInput).ruleId) as number[],
      apply.map((d) => (byId.get(d.row.id) as PriceChangeInput).source),
      apply.map(() => now),
    ],
  );
  for (const { row, outcome, facts } of apply) {
    const input = byId.get(row.id) as PriceChangeInput;
    results.set(row.id, resultOf(row, outcome, facts, true));
    events.push({
      type: 'price.changed',
      aggregateType: 'ticket_type',
      aggregateId: row.id,
      payload: {
        ticket_type_id: row.id,
        event_id: row.event_id,
        old_price_minor: row.price_minor,
        new_price_minor: outcome.priceMinor,
        currency: row.currency.trim(),
        reason: input.reason,
        rule_id: input.ruleId,
        source: input.source,
        ...(outcome.priceMinor < row.price_minor ? { lowest_30d_minor: facts.lowest30dMinor } : {}),
      },
    });
  }
  for (let i = 0; i < events.length; i += CHUNK) await emit(tx, tenantId, events.slice(i, i + CHUNK));
  return results;
}

/**
 * Applies a price to a ticket type within the tenant's guardrails: writes `price_changes`, updates
 * the price buyers pay and emits `price.changed`, all in the caller's transaction.
 */
export async function applyPriceChange(
  tx: Tx,
  tenantId: string,
  input: PriceChangeInput,
  known?: { guardrails: PricingGuardrails },
): Promise<PriceChangeResult> {
  const result = (await applyPriceChanges(tx, tenantId, [input], known)).get(input.ticketTypeId);
  if (!result) throw new Error(`ticket type ${input.ticketTypeId} not found`);
  return result;
}
