import type { Tx } from '../connection';
import { conflict } from '../../lib/errors';
import type { ArmSummary } from '../../domain/pricing/test-report';

export type PriceTestStatus = 'draft' | 'running' | 'stopped' | 'completed';
export type PriceTestMode = 'fixed' | 'thompson';

export interface PriceTestRow {
  id: number;
  tenant_id: string;
  event_id: number;
  ticket_type_id: number;
  status: PriceTestStatus;
  mode: PriceTestMode;
  sample_size: number;
  min_sample: number;
  confidence: number;
  check_interval_s: number;
  started_at: Date | null;
  stopped_at: Date | null;
  completed_at: Date | null;
  winner_arm: number | null;
  completed_because: 'significant' | 'sample_size' | null;
  created_at: Date;
}

export interface PriceTestInput {
  eventId: number;
  ticketTypeId: number;
  mode: PriceTestMode;
  prices: number[];
  weights: number[];
  sampleSize: number;
  minSample: number;
  confidence: number;
  checkIntervalS: number;
}

// numeric comes back as text: the confidence is read as a number.
const toRow = (r: PriceTestRow): PriceTestRow => ({ ...r, confidence: Number(r.confidence) });

export async function insertPriceTest(tx: Tx, tenantId: string, input: PriceTestInput): Promise<PriceTestRow> {
  const [row] = (await tx('price_tests')
    .insert({
      tenant_id: tenantId,
      event_id: input.eventId,
      ticket_type_id: input.ticketTypeId,
      mode: input.mode,
      sample_size: input.sampleSize,
      min_sample: input.minSample,
      confidence: input.confidence,
      check_interval_s: input.checkIntervalS,
    })
    .returning('*')) as PriceTestRow[];
  await tx('price_test_arms').insert(
    input.prices.map((price, arm) => ({
      tenant_id: tenantId,
      test_id: row.id,
      arm,
      price_minor: price,
      weight: input.weights[arm],
    })),
  );
  return toRow(row);
}

export async function getPriceTest(tx: Tx, id: number, opts: { lock?: boolean } = {}) {
  const q = tx('price_tests').where({ id }).first();
  const row = (await (opts.lock ? q.forUpdate() : q)) as PriceTestRow | undefined;
  return row && toRow(row);
}

export async function listPriceTests(
  tx: Tx,
  opts: { ticketTypeId?: number; status?: PriceTestStatus; after?: number; limit: number },
): Promise<PriceTestRow[]> {
  const q = tx('price_tests')
    .where('id', '>', opts.after ?? 0)
    .orderBy('id')
    .limit(opts.limit);
  if (opts.ticketTypeId !== undefined) void q.where('ticket_type_id', opts.ticketTypeId);
  if (opts.status !== undefined) void q.where('status', opts.status);
  return ((await q) as PriceTestRow[]).map(toRow);
}

/** Moves a test from one status to another; undefined when it was not in `from` (the caller answers 409). */
export async function setPriceTestStatus(
  tx: Tx,
  id: number,
  from: PriceTestStatus,
  to: PriceTestStatus,
  fields: Partial<
    Pick<PriceTestRow, 'started_at' | 'stopped_at' | 'completed_at' | 'winner_arm' | 'completed_because'>
  >,
): Promise<PriceTestRow | undefined> {
  const [row] = (await tx('price_tests')
    .where({ id, status: from })
    .update({ status: to, ...fields })
    .returning('*')) as PriceTestRow[];
  return row && toRow(row);
}

const isUniqueViolation = (err: unknown): boolean => (err as { code?: string }).code === '23505';

/** Starts a draft test; another test already running on the ticket type answers 409 `price_test_running`. */
export async function markPriceTestRunning(tx: Tx, id: number, now: Date): Promise<PriceTestRow | undefined> {
  try {
    // A savepoint, so the unique violation leaves the caller's transaction usable.
    return await tx.transaction((sp) => setPriceTestStatus(sp, id, 'draft', 'running', { started_at: now }));
  } catch (err) {
    if (isUniqueViolation(err))
      throw conflict('price_test_running', 'Another price test of this ticket type is running; stop it first');
    throw err;
  }
}

export async function setArmWeights(tx: Tx, testId: number, weights: number[]): Promise<void> {
  for (const [arm, weight] of weights.entries())
    await tx('price_test_arms').where({ test_id: testId, arm }).update({ weight });
}

/**
 * Each arm's exposures, converting visitors and revenue, with the sum of squares of revenue per
 * visitor (visitors without a conversion add zero) for the variance of revenue per visitor.
 */
export async function armSummaries(tx: Tx, testId: number): Promise<ArmSummary[]> {
  const { rows } = (await tx.raw(
    `select a.arm, a.price_minor, a.weight,
            (select count(*) from price_test_exposures e where e.test_id = a.test_id and e.arm = a.arm)::int as exposures,
            coalesce(v.conversions, 0)::int as conversions,
            coalesce(v.revenue, 0)::float8 as revenue,
            coalesce(v.squares, 0)::float8 as squares
       from price_test_arms a
       left join (
         select arm, count(*) as conversions, sum(r) as revenue, sum(r * r) as squares
           from (select arm, visitor, sum(revenue_minor)::float8 as r
                   from price_test_conversions where test_id = ? group by arm, visitor) per_visitor
          group by arm
       ) v on v.arm = a.arm
      where a.test_id = ?
      order by a.arm`,
    [testId, testId],
  )) as {
    rows: {
      arm: number;
      price_minor: number;
      weight: number;
      exposures: number;
      conversions: number;
      revenue: number;
      squares: number;
    }[];
  };
  return rows.map((r) => ({
    arm: r.arm,
    priceMinor: r.price_minor,
    weight: r.weight,
    exposures: r.exposures,
    conversions: r.conversions,
    revenueMinor: r.revenue,
    revenueSquares: r.squares,
  }));
}

/**
 * Records a paid order's lines that were priced by a running test's quote, once per test and order
 * (a re-run trigger adds nothing). Returns the tests that got a conversion.
 */
export async function recordConversions(tx: Tx, orderId: number, at: Date): Promise<number[]> {
  const { rows } = (await tx.raw(
    `insert into price_test_conversions (tenant_id, test_id, order_id, visitor, arm, quantity, revenue_minor, converted_at)
     select oi.tenant_id, l.price_test_id, oi.order_id, q.visitor, l.arm,
            sum(oi.quantity), sum(oi.quantity::bigint * oi.unit_price_minor), ?
       from order_items oi
       join price_quote_lines l on l.quote_id = oi.price_quote_id and l.ticket_type_id = oi.ticket_type_id
       join price_quotes q on q.id = l.quote_id
       join price_tests t on t.id = l.price_test_id and t.status = 'running'
      where oi.order_id = ?
      group by oi.tenant_id, l.price_test_id, oi.order_id, q.visitor, l.arm
     on conflict (test_id, order_id) do nothing
     returning test_id`,
    [at, orderId],
  )) as { rows: { test_id: number }[] };
  return rows.map((r) => r.test_id);
}
