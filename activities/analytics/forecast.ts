import { inBatches } from '../../lib/batches';
import { withTenant } from '../../db/connection';
import {
  eventForecastState,
  eventsToForecast,
  insertForecastSnapshot,
  pastEventSales,
} from '../../db/analytics/forecast';
import { getEvent } from '../../db/events/events';
import { isModuleEnabled } from '../../db/platform/modules';
import { forecastEvent } from '../../domain/analytics/forecast';
import { startIdempotent } from '../../lib/temporal';
import {
  DEFAULT_FORECAST_INTERVAL_MS,
  analyticsForecastWorkflowId,
  analyticsForecastWorkflowType,
  type AnalyticsForecastInput,
  type AnalyticsForecastRound,
} from '../../workflows/analytics/forecast-contract';
import { searchAttributes } from '../../workflows/search-attributes';
import type { WorkerDeps } from '../deps';
import { defineTrigger, type Trigger } from '../platform/triggers';

export function createForecastActivities({ db }: WorkerDeps) {
  return {
    /**
     * One round of an event's forecast refresh: done once the event has started or was cancelled;
     * otherwise the forecast as of now, recorded as a snapshot (skipped while the module is off).
     */
    async analyticsForecastRefresh(input: { tenantId: string; eventId: number }): Promise<AnalyticsForecastRound> {
      return withTenant(db, input.tenantId, async (tx) => {
        const now = new Date();
        const state = await eventForecastState(tx, input.eventId);
        if (!state) return { done: true, startsAt: null, snapshotId: null };
        const startsAt = state.starts_at.toISOString();
        if (state.status === 'cancelled' || state.starts_at.getTime() <= now.getTime())
          return { done: true, startsAt, snapshotId: null };
        if (!(await isModuleEnabled(tx, 'analytics', input.eventId)))
          return { done: false, startsAt, snapshotId: null };
        const [event] = await eventsToForecast(tx, now, { eventId: input.eventId, limit: 1 });
        const forecast = forecastEvent(event, await pastEventSales(tx, now), now);
        const snapshotId = await insertForecastSnapshot(tx, input.tenantId, input.eventId, now, forecast);
        return { done: false, startsAt, snapshotId };
      });
    },
  };
}

/** Event forecast refreshes started at once when the module is switched on for a tenant's upcoming events. */
const START_CONCURRENCY = 32;
/** The most upcoming events one switch-on starts refreshes for (a tenant has far fewer). */
const MAX_UPCOMING = 10_000;

/**
 * Starts each new event's forecast refresh, and again when its start moves (a finished one ends at
 * the old start); when the tenant switches the module on, one for every upcoming event it has.
 */
export function forecastTriggers(_deps: WorkerDeps): Trigger[] {
  return [
    defineTrigger({
      name: 'analytics.forecast-refresh',
      on: ['event.created', 'event.updated', 'module.enabled'],
      async run() {
        // Nothing to write: the workflows are started once this event's transaction has committed.
      },
      async afterCommit(event, { db, temporal, config }) {
        let eventIds: number[];
        if (event.type === 'module.enabled') {
          if (event.payload.module !== 'analytics') return;
          eventIds = await withTenant(db, event.tenantId, async (tx) =>
            (await eventsToForecast(tx, new Date(), { limit: MAX_UPCOMING }))
              .filter((e) => e.status !== 'ended')
              .map((e) => e.id),
          );
        } else {
          if (event.type === 'event.updated' && !event.payload.changed.includes('starts_at')) return;
          const eventId = event.payload.event_id;
          const open = await withTenant(db, event.tenantId, async (tx) => {
            const row = await getEvent(tx, eventId);
            return (
              !!row &&
              !['ended', 'cancelled'].includes(row.status) &&
              row.starts_at.getTime() > Date.now() &&
              (await isModuleEnabled(tx, 'analytics', eventId))
            );
          });
          eventIds = open ? [eventId] : [];
        }
        await inBatches(eventIds, START_CONCURRENCY, (eventId) =>
          startIdempotent(temporal, analyticsForecastWorkflowType, {
            taskQueue: config.TEMPORAL_TASK_QUEUE,
            workflowId: analyticsForecastWorkflowId(event.tenantId, eventId),
            args: [
              {
                tenantId: event.tenantId,
                eventId,
                intervalMs: DEFAULT_FORECAST_INTERVAL_MS,
              } satisfies AnalyticsForecastInput,
            ],
            typedSearchAttributes: searchAttributes(event.tenantId, eventId),
          }),
        );
      },
    }),
  ];
}
