import { z } from 'zod';
import { latestAlerts } from '../../db/checkin/alerts';
import { eventCounts } from '../../db/checkin/counts';
import { eventStats } from '../../db/checkin/stats';
import { ratePerMinute } from '../../domain/checkin/verdict';
import { notFound } from '../../lib/errors';
import { toLiveCounts } from '../../realtime/live';
import type { RouterDeps } from '../deps';
import { defineRoute } from '../route';
import { IdParams } from '../schemas/common';
import { checkin, loadEvent } from './load';
import { Alert, StatsBody, StatusBody } from './schemas';

/** Who is in now, statistics over the event, and its alerts. */
export function statsRoutes(deps: RouterDeps): void {
  const { tags, module } = checkin;

  defineRoute(deps, {
    method: 'get',
    path: '/api/checkin/events/{id}/status',
    summary: 'Who is in: totals, capacity use, rate and per gate',
    tags,
    access: { scope: 'read', module },
    params: IdParams,
    responses: { 200: { description: 'Status', schema: StatusBody } },
    handler: async ({ tx, params }) => {
      const counts = await eventCounts(tx, params.id);
      if (!counts) throw notFound('Event');
      const live = toLiveCounts(counts, new Date());
      return {
        body: {
          event_id: live.event_id,
          capacity: live.capacity,
          sold: live.sold,
          inside: live.inside,
          admitted: live.admitted,
          capacity_pct: live.capacity_pct,
          rate_per_minute: live.rate_per_minute,
          gates: live.gates,
        },
      };
    },
  });

  defineRoute(deps, {
    method: 'get',
    path: '/api/checkin/events/{id}/stats',
    summary: 'Check-in statistics: rate per minute, peaks, per gate and ticket type, no-shows',
    tags,
    access: { scope: 'read', module },
    params: IdParams,
    responses: { 200: { description: 'Statistics', schema: StatsBody } },
    handler: async ({ tx, params }) => {
      const counts = await eventCounts(tx, params.id);
      if (!counts) throw notFound('Event');
      const s = await eventStats(tx, params.id);
      const perMinute = s.perMinute.map((m) => ({ minute: new Date(m.minute).toISOString(), count: m.count }));
      return {
        body: {
          event_id: params.id,
          admitted: counts.admitted,
          no_shows: Math.max(0, counts.sold - s.perType.reduce((n, t) => n + t.admitted, 0)),
          rate_per_minute: ratePerMinute(s.perMinute, new Date()),
          per_minute: perMinute,
          peak: [...perMinute].sort((a, b) => b.count - a.count).slice(0, 5),
          per_gate: s.perGate,
          per_ticket_type: s.perType,
          verdicts: Object.fromEntries(s.verdicts.map((v) => [v.verdict, v.n])),
          snapshots: s.snapshots.map((x) => ({ ...x, snapshot_at: x.snapshot_at.toISOString() })),
        },
      };
    },
  });

  defineRoute(deps, {
    method: 'get',
    path: '/api/checkin/events/{id}/alerts',
    summary: "An event's check-in alerts, newest first",
    tags,
    access: { scope: 'read', module },
    params: IdParams,
    responses: { 200: { description: 'Alerts', schema: z.object({ items: z.array(Alert) }) } },
    handler: async ({ tx, params }) => {
      await loadEvent(tx, params.id);
      const alerts = await latestAlerts(tx, params.id, 200);
      return {
        body: {
          items: alerts.map((a) => ({
            id: a.id,
            event_id: a.event_id,
            gate_id: a.gate_id,
            kind: a.kind,
            message: a.message,
            payload: a.payload,
            created_at: a.created_at.toISOString(),
          })),
        },
      };
    },
  });
}
