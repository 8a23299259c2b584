import type uWS from 'uWebSockets.js';
import { withTenant, type Db } from '../db/connection';
import { toAlertPayload, type AlertRow } from '../db/checkin/alerts';
import {
  capacityLevelsKey,
  checkCapacity,
  eventCounts,
  snapshotCapacity,
  type EventCounts,
} from '../db/checkin/counts';
import type { ScanOutcome } from '../db/checkin/scan-plan';
import { ratePerMinute } from '../domain/checkin/verdict';
import type { Logger } from '../lib/logger';
import type { LiveAlert, LiveCounts, LiveScan } from './protocol';

export const liveTopic = (tenantId: string, eventId: number): string => `live/${tenantId}/${eventId}`;

interface Tracked {
  tenantId: string;
  eventId: number;
  topic: string;
  dirty: boolean;
  lastRefresh: number;
  refreshing: boolean;
  touchedAt: number;
  snapshotMinute: number;
  /** The one pending refresh: however many batches commit meanwhile, they share it. */
  timer?: NodeJS.Timeout;
  /** No refresh before this: a multiple of the last one's cost, so a busy database is not flooded. */
  notBefore: number;
  /** Tickets sold, re-counted every SOLD_TTL_MS: sales change it, scans do not. */
  sold?: { count: number; at: number };
  /** The capacity levels last checked (`capacityLevelsKey`): unchanged, a refresh writes nothing. */
  levelsChecked?: string;
}

const SOLD_TTL_MS = 10_000;

export interface LiveOptions {
  /** A change is pushed at most this long after it happened under light load. */
  coalesceMs: number;
  /** Counts are refreshed from Postgres at least this often while anyone watches (other processes' scans). */
  refreshMs: number;
}

const pct = (n: number, of: number | null): number | null => (of ? Math.round((n / of) * 1000) / 10 : null);

export function toLiveCounts(c: EventCounts, now: Date): LiveCounts {
  return {
    type: 'counts',
    event_id: c.event_id,
    capacity: c.capacity,
    sold: c.sold,
    inside: c.inside,
    admitted: c.admitted,
    capacity_pct: pct(c.inside, c.capacity) ?? 0,
    rate_per_minute: ratePerMinute(c.per_minute, now),
    per_minute: c.per_minute.map((m) => ({ minute: new Date(m.minute).toISOString(), count: m.count })),
    gates: c.gates.map((g) => ({ ...g, capacity_pct: pct(g.inside, g.capacity_limit) })),
    at: now.toISOString(),
  };
}

/**
 * Live counters per event: committed scans mark an event dirty, and its counts are re-read from
 * Postgres (so scans of every realtime process show) and published to the event's topic. Refreshes
 * are spaced by how long the last one took, which coalesces updates under load; capacity alerts and
 * per-minute snapshots ride on the same refresh.
 */
export class LiveHub {
  private events = new Map<string, Tracked>();
  private timer: NodeJS.Timeout;

  constructor(
    private readonly app: uWS.TemplatedApp,
    private readonly db: Db,
    private readonly logger: Logger,
    private readonly opts: LiveOptions,
  ) {
    // A quarter of refreshMs: due refreshes start at most that late.
    this.timer = setInterval(() => this.tick(), Math.min(opts.refreshMs, 1000) / 4);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** A dashboard subscribed: send it the counts now. */
  watch(tenantId: string, eventId: number): void {
    const t = this.track(tenantId, eventId);
    t.dirty = true;
    this.schedule(t, 0);
  }

  onCommit(tenantId: string, outcomes: ScanOutcome[], alerts: AlertRow[]): void {
    for (const o of outcomes) {
      if (o.replayed) continue;
      const t = this.track(tenantId, o.eventId);
      t.touchedAt = Date.now();
      const watched = this.watched(t);
      if (watched) {
        const msg: LiveScan = {
          type: 'scan',
          scan_id: o.scanId,
          verdict: o.verdict,
          gate_id: o.gateId,
          holder_name: o.ticket?.holder_name ?? null,
          at: new Date().toISOString(),
        };
        this.app.publish(t.topic, JSON.stringify(msg));
      }
      if (o.verdict === 'success') {
        t.dirty = true;
        // Watched, the counts follow within coalesceMs; unwatched, `tick` refreshes them (capacity
        // alerts, snapshots) every refreshMs, which spares Postgres a refresh per batch.
        if (watched) this.schedule(t, this.opts.coalesceMs);
      }
    }
    this.publishAlerts(tenantId, alerts);
  }

  publishAlerts(tenantId: string, alerts: AlertRow[]): void {
    for (const a of alerts) {
      const msg: LiveAlert = { type: 'alert', alert: toAlertPayload(a) as LiveAlert['alert'] };
      this.app.publish(liveTopic(tenantId, a.event_id), JSON.stringify(msg));
    }
  }

  private track(tenantId: string, eventId: number): Tracked {
    const key = liveTopic(tenantId, eventId);
    let t = this.events.get(key);
    if (!t) {
      t = {
        tenantId,
        eventId,
        topic: key,
        dirty: false,
        lastRefresh: 0,
        refreshing: false,
        touchedAt: Date.now(),
        snapshotMinute: 0,
        notBefore: 0,
      };
      this.events.set(key, t);
    }
    return t;
  }

  private watched(t: Tracked): boolean {
    return this.app.numSubscribers(t.topic) > 0;
  }

  private schedule(t: Tracked, delayMs: number): void {
    if (t.timer) return;
    t.timer = setTimeout(
      () => {
        t.timer = undefined;
        void this.refresh(t);
      },
      Math.max(delayMs, t.notBefore - Date.now()),
    ).unref();
  }

  private tick(): void {
    const now = Date.now();
    for (const [key, t] of this.events) {
      const watched = this.watched(t);
      if (!watched && now - t.touchedAt > 10 * 60_000) {
        this.events.delete(key);
        continue;
      }
      if (watched || t.dirty || now - t.touchedAt < 2 * this.opts.refreshMs) {
        if (now - t.lastRefresh >= this.opts.refreshMs) void this.refresh(t);
      }
    }
  }

  private async refresh(t: Tracked): Promise<void> {
    if (t.refreshing) return;
    t.refreshing = true;
    t.dirty = false;
    const started = Date.now();
    try {
      const minute = Math.floor(started / 60_000);
      const { counts, alerts, levels } = await withTenant(this.db, t.tenantId, async (tx) => {
        const cached = t.sold && started - t.sold.at < SOLD_TTL_MS ? t.sold.count : undefined;
        const c = await eventCounts(tx, t.eventId, { sold: cached });
        if (!c) return { counts: undefined, alerts: [], levels: undefined };
        // Only a change in the levels reached can flip one: otherwise this process has checked them already.
        const key = capacityLevelsKey(c);
        const fired = key === t.levelsChecked ? [] : await checkCapacity(tx, t.tenantId, c);
        if (t.snapshotMinute !== minute) await snapshotCapacity(tx, t.tenantId, c, new Date(started));
        return { counts: c, alerts: fired, levels: key };
      });
      t.snapshotMinute = minute;
      t.levelsChecked = levels;
      if (counts && (!t.sold || started - t.sold.at >= SOLD_TTL_MS)) t.sold = { count: counts.sold, at: started };
      if (counts) this.app.publish(t.topic, JSON.stringify(toLiveCounts(counts, new Date())));
      this.publishAlerts(t.tenantId, alerts);
    } catch (err) {
      this.logger.error({ err, eventId: t.eventId }, 'live refresh failed');
    } finally {
      t.refreshing = false;
      t.lastRefresh = Date.now();
      t.notBefore = t.lastRefresh + Math.min(1000, Math.max(this.opts.coalesceMs, (t.lastRefresh - started) * 4));
      this.logger.debug({ eventId: t.eventId, ms: t.lastRefresh - started }, 'live counts refreshed');
      if (t.dirty && this.watched(t)) this.schedule(t, 0);
    }
  }
}
