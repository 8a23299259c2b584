import pg from 'pg';
import type { Client } from '@temporalio/client';
import { withTenant, type Db, type Tx } from '../../db/connection';
import {
  claimOutboxRow,
  listDueOutbox,
  markOutboxDispatched,
  recordTriggerRuns,
  scheduleOutboxRetry,
  type DueOutboxRow,
} from '../../db/platform/outbox';
import { parseEvent } from '../../domain/catalogue';
import type { Config } from '../../lib/config';
import type { Logger } from '../../lib/logger';
import { matches, type OutboxEvent, type Trigger } from './triggers';

export interface DispatcherDeps {
  db: Db;
  temporal: Client;
  config: Config;
  logger: Logger;
  triggers: readonly Trigger[];
  /** Fallback poll when no notification arrives (and for retries that come due). */
  pollIntervalMs?: number;
  batchSize?: number;
  /** Rows dispatched at once, each in its own transaction (OUTBOX_CONCURRENCY). */
  concurrency?: number;
}

const laneOf = (row: DueOutboxRow): string => `${row.tenant_id}/${row.aggregate_type}/${row.aggregate_id}`;

const MAX_BACKOFF_MS = 10 * 60_000;

/** How a trigger's after-commit part is recorded in `trigger_runs`, apart from its `run`. */
const afterCommitRun = (trigger: Trigger): string => `${trigger.name}:after-commit`;

/**
 * Delivers each outbox row to every matching trigger, once. Rows are claimed with
 * `for update skip locked`, so several dispatchers (one per worker process) share the work;
 * `trigger_runs` remembers completed triggers, so a row retried after a failure or a crash
 * only re-runs the triggers that had not finished. A trigger's after-commit part (a workflow start
 * that must see what `run` wrote) runs once the row's transaction has committed, and is recorded in
 * a second, short one. Rows about different entities run concurrently (a burst of 1,000 offer
 * e-mails must not wait for one SMTP answer at a time); rows about one entity keep their order.
 */
export class OutboxDispatcher {
  private running = false;
  private wake?: () => void;
  private loop?: Promise<void>;
  private listener?: pg.Client;

  constructor(private readonly deps: DispatcherDeps) {}

  async start(): Promise<void> {
    this.running = true;
    this.listener = new pg.Client({ connectionString: this.deps.config.appDatabaseUrl });
    this.listener.on('notification', () => this.wake?.());
    this.listener.on('error', (err) => this.deps.logger.warn({ err }, 'outbox listener lost; polling only'));
    await this.listener.connect();
    await this.listener.query('listen usher_outbox');
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
    await this.listener?.end().catch(() => undefined);
  }

  /** Processes everything due now; returns how many rows were completed. Exposed for tests and benchmarks. */
  async drain(): Promise<number> {
    let done = 0;
    const lanes = new Map<string, DueOutboxRow[]>();
    const running = new Set<string>();
    // Rows another dispatcher holds, or that were handled in this drain: not taken again here.
    const seen = new Set<number>();
    let fetching: Promise<void> | undefined;
    const fetchDue = async (): Promise<void> => {
      const rows = await listDueOutbox(this.deps.db, this.deps.batchSize ?? 100);
      for (const row of rows) {
        const lane = laneOf(row);
        // A row whose entity is in flight waits for the next fetch, so one entity's rows keep their order.
        if (seen.has(Number(row.id)) || running.has(lane)) continue;
        seen.add(Number(row.id));
        const queued = lanes.get(lane);
        if (queued) queued.push(row);
        else lanes.set(lane, [row]);
      }
    };
    // Each runner takes a whole lane, so a slow row (a thousand workflow starts) holds up only its own entity.
    const runner = async (): Promise<void> => {
      for (;;) {
        if (!lanes.size) {
          fetching ??= fetchDue().finally(() => {
            fetching = undefined;
          });
          await fetching;
          if (!lanes.size) return;
        }
        const next = lanes.entries().next();
        if (next.done) continue;
        const [key, rows] = next.value;
        lanes.delete(key);
        running.add(key);
        try {
          for (const row of rows) if ((await this.dispatch(row.tenant_id, Number(row.id))) === 'done') done++;
        } finally {
          running.delete(key);
        }
      }
    };
    await Promise.all(Array.from({ length: this.deps.concurrency ?? 1 }, runner));
    return done;
  }

  private async run(): Promise<void> {
    while (this.running) {
      try {
        await this.drain();
      } catch (err) {
        this.deps.logger.error({ err }, 'outbox dispatch failed');
      }
      if (!this.running) break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.deps.pollIntervalMs ?? 1000);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  private async dispatch(tenantId: string, id: number): Promise<'done' | 'failed' | 'busy'> {
    const ran = await withTenant(this.deps.db, tenantId, async (tx) => {
      const row = await claimOutboxRow(tx, id);
      if (!row) return 'busy' as const;
      // A payload the catalogue rejects fails every trigger it would reach, so the row stays pending
      // with the reason in `last_error` (and is retried after a fix) instead of feeding triggers bad data.
      const parsed = parseEvent(row.type, row.payload);
      const event: OutboxEvent | Error = parsed.success
        ? {
            ...parsed.event,
            id,
            tenantId,
            aggregateType: row.aggregate_type,
            aggregateId: row.aggregate_id,
            createdAt: row.created_at,
          }
        : new Error(`outbox row ${id}: ${parsed.error}`);
      const { completed } = row;
      const errors: string[] = [];
      const done: string[] = [];
      const afterCommit: Trigger[] = [];
      for (const trigger of this.deps.triggers) {
        if (!matches(trigger, row.type)) continue;
        if (!completed.has(trigger.name)) {
          try {
            if (event instanceof Error) throw event;
            // A savepoint per trigger: one failing trigger neither undoes nor blocks the others.
            await tx.transaction((sp) => trigger.run(event, { ...this.deps, tx: sp }));
            done.push(trigger.name);
          } catch (err) {
            this.failed(errors, id, trigger, err);
            continue;
          }
        }
        if (trigger.afterCommit && !completed.has(afterCommitRun(trigger))) {
          if (event instanceof Error) this.failed(errors, id, trigger, event);
          else afterCommit.push(trigger);
        }
      }
      await recordTriggerRuns(tx, tenantId, id, done);
      // With after-commit parts to run, the row is settled after them, in a transaction of its own.
      if (afterCommit.length && !(event instanceof Error)) return { event, errors, afterCommit };
      return this.settle(tx, id, row.attempts, errors);
    });
    if (typeof ran === 'string') return ran;

    const { event, errors, afterCommit } = ran;
    const succeeded: Trigger[] = [];
    for (const trigger of afterCommit) {
      try {
        await trigger.afterCommit?.(event, this.deps);
        succeeded.push(trigger);
      } catch (err) {
        this.failed(errors, id, trigger, err);
      }
    }
    return withTenant(this.deps.db, tenantId, async (tx) => {
      // Another dispatcher took the row in between: it runs whatever is not recorded, and settles it.
      const row = await claimOutboxRow(tx, id);
      if (!row) return 'busy';
      const recorded = succeeded.map(afterCommitRun).filter((name) => !row.completed.has(name));
      await recordTriggerRuns(tx, tenantId, id, recorded);
      return this.settle(tx, id, row.attempts, errors);
    });
  }

  private failed(errors: string[], outboxId: number, trigger: Trigger, err: unknown): void {
    errors.push(`${trigger.name}: ${(err as Error).message}`);
    this.deps.logger.warn({ err, outboxId, trigger: trigger.name }, 'trigger failed; will retry');
  }

  /** Marks the row dispatched, or leaves it pending with its errors until its backoff has passed. */
  private async settle(tx: Tx, id: number, attempts: number, errors: string[]): Promise<'done' | 'failed'> {
    if (!errors.length) {
      await markOutboxDispatched(tx, id);
      return 'done';
    }
    const backoff = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** Math.min(attempts + 1, 20));
    await scheduleOutboxRetry(tx, id, {
      attempts: attempts + 1,
      lastError: errors.join('; ').slice(0, 2000),
      nextAttemptAt: new Date(Date.now() + backoff),
    });
    return 'failed';
  }
}
