import { Context } from '@temporalio/activity';
import { withTenant } from '../../db/connection';
import { refreshMemberships } from '../../db/crm/memberships';
import {
  finishMetricsRefresh,
  getLtvModel,
  ltvModelOf,
  purchaseHistoryChunk,
  purchaseHistorySample,
  recordEmailEngagement,
  refreshAttendanceForEvent,
  refreshPurchaseMetrics,
  rfmBreakpoints,
  saveLtvModel,
  writeLtvChunk,
  type RfmBreakpoints,
} from '../../db/crm/metrics';
import { fitLtvModel, predictCustomer } from '../../domain/crm/ltv';
import type { MetricsRefreshInput } from '../../workflows/crm/metrics-refresh-contract';
import type { WorkerDeps } from '../deps';
import { defineTrigger, type Trigger } from '../platform/triggers';

/**
 * The metrics refresh's steps: RFM quintile breakpoints (one scan), the model fit (on a sample), and
 * scoring in chunks, each chunk read, predicted in JS and written back with its RFM scores in one
 * statement in its own transaction, so a retry resumes after the last written chunk.
 */
export function createCustomerDataActivities({ db }: Pick<WorkerDeps, 'db'>) {
  return {
    /** The tenant's RFM quintile breakpoints, read once; scoring applies them chunk by chunk. */
    async crmRefreshMetricsRfm({ tenantId }: { tenantId: string }): Promise<RfmBreakpoints | null> {
      return (await withTenant(db, tenantId, (tx) => rfmBreakpoints(tx, tenantId))) ?? null;
    },

    async crmRefreshMetricsFit(
      input: Pick<MetricsRefreshInput, 'tenantId' | 'asOf' | 'horizonDays' | 'fitSample'>,
    ): Promise<{ method: 'bgnbd_gg' | 'fallback'; customers: number }> {
      const histories = await withTenant(db, input.tenantId, (tx) =>
        purchaseHistorySample(tx, input.tenantId, new Date(input.asOf), input.fitSample),
      );
      const model = fitLtvModel(histories);
      await withTenant(db, input.tenantId, (tx) => saveLtvModel(tx, input.tenantId, model, input.horizonDays));
      return { method: model.method, customers: model.customers };
    },

    async crmRefreshMetricsScore(
      input: Pick<MetricsRefreshInput, 'tenantId' | 'asOf' | 'horizonDays' | 'chunkSize' | 'sliceMs'> & {
        afterId: number;
        rfm: RfmBreakpoints;
      },
    ): Promise<{ scored: number; lastId: number; done: boolean }> {
      const { tenantId, horizonDays } = input;
      const asOf = new Date(input.asOf);
      const row = await withTenant(db, tenantId, getLtvModel);
      if (!row) throw new Error('no fitted model for the tenant');
      const model = ltvModelOf(row);
      const until = Date.now() + input.sliceMs;
      let lastId = input.afterId;
      let scored = 0;
      for (;;) {
        const chunk = await withTenant(db, tenantId, async (tx) => {
          const histories = await purchaseHistoryChunk(tx, tenantId, asOf, lastId, input.chunkSize);
          await writeLtvChunk(
            tx,
            tenantId,
            histories.map((h) => ({ customerId: h.customerId, ...predictCustomer(model, h, horizonDays) })),
            input.rfm,
          );
          const ids = histories.map((h) => h.customerId);
          // RFM, lifetime value and churn are segment inputs.
          await refreshMemberships(tx, tenantId, ids);
          return ids;
        });
        scored += chunk.length;
        if (chunk.length) lastId = chunk[chunk.length - 1];
        Context.current().heartbeat(lastId);
        if (chunk.length < input.chunkSize) return { scored, lastId, done: true };
        if (Date.now() >= until) return { scored, lastId, done: false };
      }
    },

    async crmRefreshMetricsFinish(input: {
      tenantId: string;
      runId: number;
      status: 'completed' | 'failed';
      customers: number;
      error?: string;
    }): Promise<void> {
      await withTenant(db, input.tenantId, (tx) =>
        finishMetricsRefresh(tx, input.runId, {
          status: input.status,
          customers: input.customers,
          error: input.error,
        }),
      );
    },
  };
}

/**
 * Keep each customer's metrics current (the proposal's Order Created → CRM customer update): net
 * spend on orders and refunds, attendance when an event ends (one statement for all its ticket
 * holders), and e-mail engagement (machine opens from privacy proxies are not a person's interest).
 * Each change then re-evaluates the customers' dynamic segments.
 */
export function customerDataTriggers(_deps: WorkerDeps): Trigger[] {
  return [
    defineTrigger({
      name: 'crm.customer_metrics.purchases',
      on: ['order.created', 'refund.processed'],
      async run(event, { tx }) {
        await refreshPurchaseMetrics(tx, event.tenantId, [event.payload.customer_id]);
        await refreshMemberships(tx, event.tenantId, [event.payload.customer_id]);
      },
    }),
    defineTrigger({
      name: 'crm.customer_metrics.attendance',
      on: ['event.ended'],
      async run(event, { tx }) {
        const customers = await refreshAttendanceForEvent(tx, event.tenantId, event.payload.event_id);
        await refreshMemberships(tx, event.tenantId, customers);
      },
    }),
    defineTrigger({
      name: 'crm.customer_metrics.engagement',
      on: ['crm.email_opened', 'crm.email_clicked'],
      async run(event, { tx }) {
        if (event.type === 'crm.email_opened' && event.payload.machine) return;
        const kind = event.type === 'crm.email_opened' ? 'open' : 'click';
        await recordEmailEngagement(tx, event.tenantId, event.payload.customer_id, kind, event.createdAt);
        await refreshMemberships(tx, event.tenantId, [event.payload.customer_id]);
      },
    }),
  ];
}
