import { WorkflowNotFoundError } from '@temporalio/client';
import type { z } from 'zod';
import type { Tx } from '../../db/connection';
import { getTicketType } from '../../db/events/ticket-types';
import { allowedByGuardrails, startPriceTest, stopPriceTest, testReport } from '../../db/pricing/price-test-runs';
import {
  armSummaries,
  getPriceTest,
  insertPriceTest,
  listPriceTests,
  type PriceTestRow,
} from '../../db/pricing/price-tests';
import type { TestReport } from '../../domain/pricing/test-report';
import { equalWeights } from '../../domain/pricing/thompson';
import { conflict, notFound, unprocessable } from '../../lib/errors';
import { startIdempotent } from '../../lib/temporal';
import {
  checkPriceTestSignal,
  priceTestStartOptions,
  priceTestWorkflowId,
  priceTestWorkflowType,
} from '../../workflows/pricing/contract';
import type { RouterDeps } from '../deps';
import { defineRoute } from '../route';
import { IdParams, isoOrNull, mapInOrder, page, toPage } from '../schemas/common';
import { CreatePriceTest, PriceTest, PriceTestQuery, PriceTestSummary } from './tests-schemas';

const testFields = (t: PriceTestRow) => ({
  id: t.id,
  event_id: t.event_id,
  ticket_type_id: t.ticket_type_id,
  status: t.status,
  mode: t.mode,
  sample_size: t.sample_size,
  min_sample: t.min_sample,
  confidence: t.confidence,
  check_interval_s: t.check_interval_s,
  started_at: isoOrNull(t.started_at),
  stopped_at: isoOrNull(t.stopped_at),
  completed_at: isoOrNull(t.completed_at),
  winner_arm: t.winner_arm,
  completed_because: t.completed_because,
  created_at: t.created_at.toISOString(),
});

function toPriceTest(t: PriceTestRow, report: TestReport, alpha: number): z.infer<typeof PriceTest> {
  return {
    ...testFields(t),
    arms: report.arms.map((a) => ({
      arm: a.arm,
      price_minor: a.priceMinor,
      weight: a.weight,
      exposures: a.exposures,
      conversions: a.conversions,
      conversion_rate: a.conversionRate,
      revenue_minor: a.revenueMinor,
      revenue_per_visitor_minor: a.revenuePerVisitor,
      probability_best: a.probabilityBest,
      probability_best_revenue: a.probabilityBestRevenue,
      conversion_vs_control: a.conversionTest && {
        z: a.conversionTest.z,
        p_value: a.conversionTest.pValue,
        significant: a.conversionTest.pValue < alpha,
      },
      revenue_vs_control: a.revenueTest && {
        t: a.revenueTest.t,
        df: a.revenueTest.df,
        p_value: a.revenueTest.pValue,
        significant: a.revenueTest.pValue < alpha,
      },
    })),
    exposures: report.exposures,
    conversions: report.conversions,
    decision: {
      leader_arm: report.decision.leader,
      runner_up_arm: report.decision.runnerUp,
      p_value: report.decision.pValue,
      significant: report.decision.significant,
    },
  };
}

async function loadTest(tx: Tx, id: number): Promise<PriceTestRow> {
  const test = await getPriceTest(tx, id);
  if (!test) throw notFound('Price test');
  return test;
}

const reportOf = async (tx: Tx, test: PriceTestRow) =>
  toPriceTest(test, await testReport(tx, test), 1 - test.confidence);

/** A/B price tests: create, start, stop, and the report with its statistics. */
export function testsRoutes(deps: RouterDeps): void {
  const tags = ['pricing'];
  const module = 'pricing' as const;

  defineRoute(deps, {
    method: 'post',
    path: '/api/pricing/tests',
    summary: 'Create an A/B price test of a ticket type (2 to 4 prices, the first the control); it starts as a draft',
    tags,
    access: { scope: 'write', module },
    body: CreatePriceTest,
    idempotent: true,
    responses: { 201: { description: 'Created', schema: PriceTest } },
    handler: async ({ tx, auth, body }) => {
      const tt = await getTicketType(tx, body.ticket_type_id);
      if (!tt) throw notFound('Ticket type');
      const allowed = await allowedByGuardrails(tx, body.prices_minor);
      if (allowed.some((ok) => !ok))
        throw unprocessable('price_outside_guardrails', "A price of the test is outside the tenant's floor or cap", {
          prices_minor: body.prices_minor.filter((_, i) => !allowed[i]),
        });
      const test = await insertPriceTest(tx, auth.tenantId, {
        eventId: tt.event_id,
        ticketTypeId: body.ticket_type_id,
        mode: body.mode,
        prices: body.prices_minor,
        weights: equalWeights(allowed),
        sampleSize: body.sample_size,
        minSample: body.min_sample ?? Math.max(1, Math.floor(body.sample_size / (10 * body.prices_minor.length))),
        confidence: body.confidence,
        checkIntervalS: body.check_interval_s,
      });
      return { status: 201, headers: { Location: `/api/pricing/tests/${test.id}` }, body: await reportOf(tx, test) };
    },
  });

  defineRoute(deps, {
    method: 'get',
    path: '/api/pricing/tests',
    summary: 'List A/B price tests',
    tags,
    access: { scope: 'read', module },
    query: PriceTestQuery,
    responses: { 200: { description: 'Price tests', schema: page(PriceTestSummary) } },
    handler: async ({ tx, query }) => {
      const rows = await listPriceTests(tx, { ...query, ticketTypeId: query.ticket_type_id });
      const items = await mapInOrder(rows, async (t) => ({
        ...testFields(t),
        arms: (await armSummaries(tx, t.id)).map((a) => ({ arm: a.arm, price_minor: a.priceMinor, weight: a.weight })),
      }));
      return { body: toPage(items, query.limit) };
    },
  });

  defineRoute(deps, {
    method: 'get',
    path: '/api/pricing/tests/{id}',
    summary:
      'An A/B price test with its report: per arm exposures, conversions, revenue per visitor, significance against the control and probability to be best',
    tags,
    access: { scope: 'read', module },
    params: IdParams,
    responses: { 200: { description: 'Price test', schema: PriceTest } },
    handler: async ({ tx, params }) => ({ body: await reportOf(tx, await loadTest(tx, params.id)) }),
  });

  defineRoute(deps, {
    method: 'post',
    path: '/api/pricing/tests/{id}/start',
    summary: "Start a draft price test: new visitors' quotes are split between its prices until it ends",
    tags,
    access: { scope: 'write', module },
    params: IdParams,
    idempotent: true,
    responses: { 200: { description: 'Running', schema: PriceTest } },
    handler: async ({ tx, auth, params, afterCommit }) => {
      const current = await loadTest(tx, params.id);
      if (current.status !== 'draft')
        throw conflict('price_test_not_draft', `The price test is ${current.status}; only a draft starts`);
      const test = await startPriceTest(tx, auth.tenantId, params.id, new Date());
      if (!test) throw conflict('price_test_not_draft', 'The price test is no longer a draft');
      afterCommit(async () => {
        await startIdempotent(deps.temporal, priceTestWorkflowType, {
          taskQueue: deps.config.TEMPORAL_TASK_QUEUE,
          ...priceTestStartOptions(test),
        });
      });
      return { body: await reportOf(tx, test) };
    },
  });

  defineRoute(deps, {
    method: 'post',
    path: '/api/pricing/tests/{id}/stop',
    summary: 'Stop a running price test without choosing a winner; the price stays as it was',
    tags,
    access: { scope: 'write', module },
    params: IdParams,
    idempotent: true,
    responses: { 200: { description: 'Stopped', schema: PriceTest } },
    handler: async ({ tx, auth, params, afterCommit }) => {
      const current = await loadTest(tx, params.id);
      const test =
        current.status === 'running' ? await stopPriceTest(tx, auth.tenantId, params.id, new Date()) : undefined;
      if (!test)
        throw conflict('price_test_not_running', `The price test is ${current.status}; only a running one stops`);
      // Its loop notices at its next look; the signal makes that now. A loop already gone is fine.
      afterCommit(async () => {
        try {
          await deps.temporal.workflow
            .getHandle(priceTestWorkflowId(auth.tenantId, test.id))
            .signal(checkPriceTestSignal);
        } catch (err) {
          if (!(err instanceof WorkflowNotFoundError)) throw err;
        }
      });
      return { body: await reportOf(tx, test) };
    },
  });
}
