import { randomBytes } from 'node:crypto';
import type { Tx } from '../connection';
import { notFound, unprocessable } from '../../lib/errors';
import { assignArm, visitorKey } from '../../domain/pricing/assignment';

export interface QuoteRow {
  id: number;
  tenant_id: string;
  event_id: number;
  customer_id: number | null;
  visitor_id: string | null;
  visitor: string;
  expires_at: Date;
  created_at: Date;
  used_at: Date | null;
}

export interface QuoteLineRow {
  quote_id: number;
  ticket_type_id: number;
  price_minor: number;
  currency: string;
  rule_id: number | null;
  price_test_id: number | null;
  arm: number | null;
}

export interface QuoteWithLines extends QuoteRow {
  lines: QuoteLineRow[];
}

/** The tenant's quote-signing secret, made on its first quote (a racing first quote keeps the stored one). */
export async function quoteSecret(tx: Tx, tenantId: string): Promise<string> {
  await tx('price_quote_keys')
    .insert({ tenant_id: tenantId, secret: randomBytes(32).toString('base64url') })
    .onConflict('tenant_id')
    .ignore();
  return (await storedQuoteSecret(tx)) as string;
}

export async function storedQuoteSecret(tx: Tx): Promise<string | undefined> {
  const row = (await tx('price_quote_keys').first('secret')) as { secret: string } | undefined;
  return row?.secret;
}

interface CurrentPrice {
  id: number;
  event_id: number;
  price_minor: number;
  currency: string;
  rule_id: number | null;
}

/** What buyers pay now for each ticket type, and the rule whose change set it (null: a list or manual price). */
export async function currentPrices(tx: Tx, ticketTypeIds: number[]): Promise<Map<number, CurrentPrice>> {
  if (!ticketTypeIds.length) return new Map();
  const { rows } = (await tx.raw(
    `select tt.id, tt.event_id, tt.price_minor, tt.currency, last.rule_id
       from ticket_types tt
       left join lateral (
         select pc.rule_id from price_changes pc where pc.ticket_type_id = tt.id
          order by pc.changed_at desc, pc.id desc limit 1
       ) last on true
      where tt.id = any(?::bigint[])`,
    [ticketTypeIds],
  )) as { rows: CurrentPrice[] };
  return new Map(rows.map((r) => [r.id, { ...r, currency: r.currency.trim() }]));
}

interface RunningArm {
  test_id: number;
  ticket_type_id: number;
  arm: number;
  price_minor: number;
  weight: number;
}

async function runningArms(tx: Tx, ticketTypeIds: number[]): Promise<Map<number, RunningArm[]>> {
  const rows = (await tx('price_tests as t')
    .join('price_test_arms as a', 'a.test_id', 't.id')
    .whereIn('t.ticket_type_id', ticketTypeIds)
    .andWhere('t.status', 'running')
    .orderBy(['t.ticket_type_id', 'a.arm'])
    .select(
      't.id as test_id',
      't.ticket_type_id as ticket_type_id',
      'a.arm',
      'a.price_minor',
      'a.weight',
    )) as RunningArm[];
  const byType = new Map<number, RunningArm[]>();
  for (const r of rows) byType.set(r.ticket_type_id, [...(byType.get(r.ticket_type_id) ?? []), r]);
  return byType;
}

/**
 * The visitor's arm of a running test: the one recorded at their first exposure, else drawn now by
 * the stable hash and recorded. A racing first quote of the same visitor waits on the key and keeps
 * the arm the other recorded.
 */
async function exposeVisitor(tx: Tx, tenantId: string, arms: RunningArm[], visitor: string, quoteId: number) {
  const testId = arms[0].test_id;
  const drawn = assignArm(
    testId,
    visitor,
    arms.map((a) => a.weight),
  );
  await tx('price_test_exposures')
    .insert({ tenant_id: tenantId, test_id: testId, visitor, arm: arms[drawn].arm, quote_id: quoteId })
    .onConflict(['test_id', 'visitor'])
    .ignore();
  const { arm } = (await tx('price_test_exposures').where({ test_id: testId, visitor }).first('arm')) as {
    arm: number;
  };
  return arms.find((a) => a.arm === arm) ?? arms[drawn];
}

export interface QuoteRequest {
  eventId?: number;
  ticketTypeIds?: number[];
  customerId?: number;
  visitorId?: string;
  now: Date;
  ttlSeconds: number;
}

/** The ticket types a quote covers: the listed ones (all of one event), or every one of the event. */
async function quotedTypes(tx: Tx, req: QuoteRequest): Promise<{ eventId: number; ids: number[] }> {
  const q = tx('ticket_types').orderBy('id').select('id', 'event_id');
  const rows = (await (req.ticketTypeIds ? q.whereIn('id', req.ticketTypeIds) : q.where('event_id', req.eventId))) as {
    id: number;
    event_id: number;
  }[];
  if (req.ticketTypeIds && rows.length !== new Set(req.ticketTypeIds).size) throw notFound('Ticket type');
  if (!rows.length) throw notFound(req.eventId !== undefined ? 'Event' : 'Ticket type');
  const events = new Set(rows.map((r) => r.event_id));
  if (events.size > 1 || (req.eventId !== undefined && !events.has(req.eventId)))
    throw unprocessable('ticket_types_span_events', 'A quote covers ticket types of one event, as an order does');
  return { eventId: rows[0].event_id, ids: rows.map((r) => r.id) };
}

/** Records a quote: each ticket type's current price, or the arm of its running test the visitor is in. */
export async function createQuote(tx: Tx, tenantId: string, req: QuoteRequest): Promise<QuoteWithLines> {
  const { eventId, ids } = await quotedTypes(tx, req);
  const visitor = visitorKey(req);
  const [quote] = (await tx('price_quotes')
    .insert({
      tenant_id: tenantId,
      event_id: eventId,
      customer_id: req.customerId ?? null,
      visitor_id: req.visitorId ?? null,
      visitor,
      expires_at: new Date(req.now.getTime() + req.ttlSeconds * 1000),
      created_at: req.now,
    })
    .returning('*')) as QuoteRow[];
  const prices = await currentPrices(tx, ids);
  const tests = await runningArms(tx, ids);
  const lines: QuoteLineRow[] = [];
  for (const id of ids) {
    const current = prices.get(id) as CurrentPrice;
    const arms = tests.get(id);
    const arm = arms ? await exposeVisitor(tx, tenantId, arms, visitor, quote.id) : undefined;
    lines.push({
      quote_id: quote.id,
      ticket_type_id: id,
      price_minor: arm ? arm.price_minor : current.price_minor,
      currency: current.currency,
      rule_id: arm ? null : current.rule_id,
      price_test_id: arm?.test_id ?? null,
      arm: arm?.arm ?? null,
    });
  }
  await tx('price_quote_lines').insert(lines.map((l) => ({ ...l, tenant_id: tenantId })));
  return { ...quote, lines };
}

export async function getQuote(tx: Tx, id: number): Promise<QuoteWithLines | undefined> {
  const quote = (await tx('price_quotes').where({ id }).first()) as QuoteRow | undefined;
  if (!quote) return undefined;
  const lines = (await tx('price_quote_lines')
    .where({ quote_id: id })
    .orderBy('ticket_type_id')
    .select(
      'quote_id',
      'ticket_type_id',
      'price_minor',
      'currency',
      'rule_id',
      'price_test_id',
      'arm',
    )) as QuoteLineRow[];
  return { ...quote, lines: lines.map((l) => ({ ...l, currency: l.currency.trim() })) };
}

/** Marks a quote redeemed by an order in this transaction; false when another order already did. */
export async function redeemQuote(tx: Tx, id: number, now: Date): Promise<boolean> {
  const updated = await tx('price_quotes').where({ id }).whereNull('used_at').update({ used_at: now });
  return updated > 0;
}
