import type { Tx } from '../../db/connection';
import {
  attributeOrder,
  countedFirstOrders,
  lockCustomerRollups,
  orderCustomer,
  rederiveOrders,
  ticketOrder,
} from '../../db/analytics/rollups';
import { deleteExpiredTracking, maintainPartitions } from '../../db/analytics/tracking';
import { getModule } from '../../db/platform/modules';
import { withTenant } from '../../db/connection';
import {
  AnalyticsSettingsSchema,
  DEFAULT_ATTRIBUTION_WINDOW_DAYS,
  DEFAULT_RAW_RETENTION_DAYS,
} from '../../domain/analytics/settings';
import { MAX_RETENTION_DAYS } from '../../domain/analytics/tracking';
import { startIdempotent } from '../../lib/temporal';
import {
  DEFAULT_MAINTENANCE_INTERVAL_MS,
  DEFAULT_MONTHS_AHEAD,
  analyticsMaintenanceWorkflowId,
  analyticsMaintenanceWorkflowType,
  type AnalyticsMaintenanceInput,
} from '../../workflows/analytics/maintenance-contract';
import { searchAttributes } from '../../workflows/search-attributes';
import type { WorkerDeps } from '../deps';
import { defineTrigger, type Trigger } from '../platform/triggers';

/** The tenant's analytics settings when the module is on; undefined when it is off (nothing is rolled up). */
async function analyticsSettings(tx: Tx) {
  const row = await getModule(tx, 'analytics');
  if (!row?.enabled) return undefined;
  const parsed = AnalyticsSettingsSchema.safeParse(row.settings ?? {});
  return parsed.success ? parsed.data : {};
}

/**
 * Re-derives one order's rollup lines under its customer's lock. On a new purchase the customer's
 * order counted as first so far is re-derived too: a late, earlier order takes "new customer" from it.
 */
async function rederiveOrder(tx: Tx, tenantId: string, orderId: number, withFirsts: boolean): Promise<void> {
  const customerId = await orderCustomer(tx, orderId);
  if (customerId === undefined) return;
  await lockCustomerRollups(tx, tenantId, customerId);
  const ids = withFirsts ? [orderId, ...(await countedFirstOrders(tx, customerId))] : [orderId];
  await rederiveOrders(tx, [...new Set(ids)]);
}

/**
 * Usher's own domain events into the sales rollups. Each trigger runs in its outbox event's
 * transaction and is recorded there, so it takes effect once; and since it re-derives the order from
 * the source rows rather than adding the event's figures, a late or repeated event cannot skew them.
 */
export function rollupTriggers(_deps: WorkerDeps): Trigger[] {
  // Tenants whose upkeep workflow this worker has started (or found running): one start each.
  const upkeepStarted = new Set<string>();
  return [
    defineTrigger({
      name: 'analytics.upkeep',
      on: ['event.created', 'order.created'],
      async run() {},
      async afterCommit(event, { db, temporal, config }) {
        if (upkeepStarted.has(event.tenantId)) return;
        if (!(await withTenant(db, event.tenantId, analyticsSettings))) return;
        await startIdempotent(temporal, analyticsMaintenanceWorkflowType, {
          taskQueue: config.TEMPORAL_TASK_QUEUE,
          workflowId: analyticsMaintenanceWorkflowId(event.tenantId),
          args: [
            {
              tenantId: event.tenantId,
              intervalMs: DEFAULT_MAINTENANCE_INTERVAL_MS,
              monthsAhead: DEFAULT_MONTHS_AHEAD,
            } satisfies AnalyticsMaintenanceInput,
          ],
          typedSearchAttributes: searchAttributes(event.tenantId),
        });
        upkeepStarted.add(event.tenantId);
      },
    }),
    defineTrigger({
      name: 'analytics.order_created',
      on: ['order.created'],
      async run(event, { tx }) {
        const settings = await analyticsSettings(tx);
        if (!settings) return;
        await rederiveOrder(tx, event.tenantId, event.payload.order_id, true);
        await attributeOrder(
          tx,
          event.payload.order_id,
          settings.attribution_window_days ?? DEFAULT_ATTRIBUTION_WINDOW_DAYS,
        );
      },
    }),
    defineTrigger({
      name: 'analytics.order_changed',
      on: ['order.cancelled', 'refund.processed'],
      async run(event, { tx }) {
        if (!(await analyticsSettings(tx))) return;
        await rederiveOrder(tx, event.tenantId, event.payload.order_id, false);
      },
    }),
    defineTrigger({
      name: 'analytics.ticket_cancelled',
      on: ['ticket.cancelled'],
      async run(event, { tx }) {
        if (!(await analyticsSettings(tx))) return;
        const orderId = await ticketOrder(tx, event.payload.ticket_id);
        if (orderId !== undefined) await rederiveOrder(tx, event.tenantId, orderId, false);
      },
    }),
  ];
}

/** Activities of the rollups part: partition upkeep and per-tenant raw retention. */
export function createRollupActivities({ db }: WorkerDeps) {
  return {
    /** Months ahead created, partitions older than the longest retention any tenant may set dropped. */
    async analyticsMaintainPartitions(monthsAhead: number): Promise<{ created: number; dropped: number }> {
      return db.transaction((tx) => maintainPartitions(tx, monthsAhead, MAX_RETENTION_DAYS));
    },
    /** Deletes the tenant's raw rows older than its `raw_retention_days` (none while the module is off). */
    async analyticsApplyRetention(tenantId: string): Promise<number> {
      return withTenant(db, tenantId, async (tx) => {
        const settings = await analyticsSettings(tx);
        if (!settings) return 0;
        return deleteExpiredTracking(tx, settings.raw_retention_days ?? DEFAULT_RAW_RETENTION_DAYS);
      });
    },
  };
}
