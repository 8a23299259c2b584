import type { ClientBase } from 'pg';
import { discardPlans, msUntilReplan, type Db } from '../db/connection';
import type { AlertRow } from '../db/checkin/alerts';
import type { ScanInput, ScanOutcome } from '../db/checkin/scan-plan';
import { applyScans, applyScansAutocommit, bindSessionTenant, COUNTER_SHARDS } from '../db/checkin/scans';
import type { Logger } from '../lib/logger';
import { groupBy } from '../lib/group-by';

export interface BatcherOptions {
  /** Most scans committed together. */
  maxBatch: number;
  /** Batches in flight at once (each on a connection and a counter shard of its own; at most COUNTER_SHARDS). */
  maxInFlight: number;
  /**
   * A second batch starts while one is in flight only when this many scans wait: under light
   * load scans gather behind the running commit instead of each paying for a commit of its own.
   */
  minParallelBatch: number;
  /** ...or when the oldest has waited this long: a stalled commit does not hold up the scans behind it. */
  maxWaitMs: number;
}

interface Pending {
  tenantId: string;
  scan: ScanInput;
  at: number;
  resolve(o: ScanOutcome): void;
  reject(e: unknown): void;
}

export interface CommittedBatch {
  tenantId: string;
  outcomes: ScanOutcome[];
  alerts: AlertRow[];
}

const RETRYABLE = new Set(['40P01', '40001']);

/** A free connection whose plans `prepared` would drop within this long is re-planned before its next batch. */
const REPLAN_AHEAD_MS = 500;

/**
 * Group commit: scans queue while batches are in flight and the next free slot commits all
 * that have queued, so a lone scan goes straight to Postgres and a flood costs one commit per
 * batch. A promise resolves only after its batch committed.
 */
export class ScanBatcher {
  private queue: Pending[] = [];
  /** Counter shards not used by a batch in flight: concurrent batches never wait on each other's counter rows. */
  private freeShards: number[];
  private readonly shards: number;
  private idle: (() => void)[] = [];
  private waitTimer: NodeJS.Timeout | undefined;
  /** Connections out of the free list while they re-plan (see `release`). */
  private replanning = new Set<Promise<void>>();
  /**
   * A connection of its own per shard, bound to the tenant of its last batch at session level: the
   * batch transaction then needs no `set_config` round trip. Nothing else ever runs on these.
   */
  private connections = new Map<number, { client: ClientBase; tenantId?: string }>();

  constructor(
    private readonly db: Db,
    private readonly logger: Logger,
    private readonly opts: BatcherOptions,
    private readonly onCommit: (batch: CommittedBatch) => void,
  ) {
    this.shards = Math.min(opts.maxInFlight, COUNTER_SHARDS);
    this.freeShards = Array.from({ length: this.shards }, (_, i) => i);
  }

  private get inFlight(): number {
    return this.shards - this.freeShards.length - this.replanning.size;
  }

  submit(tenantId: string, scan: ScanInput): Promise<ScanOutcome> {
    return new Promise((resolve, reject) => {
      this.queue.push({ tenantId, scan, at: performance.now(), resolve, reject });
      this.pump();
    });
  }

  get pending(): number {
    return this.queue.length + this.inFlight;
  }

  /** Resolves once everything submitted so far has committed or failed. */
  async drain(): Promise<void> {
    if (!this.pending) return;
    await new Promise<void>((resolve) => this.idle.push(resolve));
  }

  private pump(): void {
    while (
      this.queue.length &&
      this.freeShards.length &&
      (this.inFlight === 0 ||
        this.queue.length >= this.opts.minParallelBatch ||
        performance.now() - this.queue[0].at >= this.opts.maxWaitMs)
    ) {
      const batch = this.queue.splice(0, this.opts.maxBatch);
      const shard = this.freeShards.pop() as number;
      void this.commit(batch, shard).finally(() => {
        this.release(shard);
        this.pump();
        if (!this.pending) for (const resolve of this.idle.splice(0)) resolve();
      });
    }
    if (this.queue.length && this.freeShards.length && !this.waitTimer) {
      const due = this.opts.maxWaitMs - (performance.now() - this.queue[0].at);
      this.waitTimer = setTimeout(
        () => {
          this.waitTimer = undefined;
          this.pump();
        },
        Math.max(0, Math.ceil(due)),
      );
    }
  }

  /**
   * Frees a shard. Planning the batch statements again (`prepared` does every few seconds) takes
   * longer than running them, and scans would wait for it: so while another shard is free, a
   * connection due for it soon is taken out and re-planned first, by an empty batch.
   */
  private release(shard: number): void {
    this.freeShards.push(shard);
    for (const s of [...this.freeShards]) {
      const c = this.connections.get(s);
      if (this.freeShards.length < 2 || !c?.tenantId || msUntilReplan(c.client) > REPLAN_AHEAD_MS) continue;
      this.freeShards.splice(this.freeShards.indexOf(s), 1);
      const { client, tenantId } = c;
      const replanned: Promise<void> = discardPlans(client)
        .then(() => applyScansAutocommit(client, tenantId, [], s))
        .then(
          () => {
            this.freeShards.unshift(s);
          },
          async (err: unknown) => {
            this.logger.warn({ err, shard: s }, 'scan connection re-plan failed');
            await this.dropConnection(s);
            this.freeShards.unshift(s);
          },
        )
        .finally(() => {
          this.replanning.delete(replanned);
          this.pump();
        });
      this.replanning.add(replanned);
    }
  }

  private async commit(batch: Pending[], shard: number): Promise<void> {
    for (const [tenantId, items] of groupBy(batch, (p) => p.tenantId)) await this.commitTenant(tenantId, items, shard);
  }

  /**
   * Most batches commit as one autocommitted write after a read; one that may raise an alert (or
   * whose tickets changed meanwhile) is decided in a transaction, where alerts commit with scans.
   */
  private async commitTenant(tenantId: string, items: Pending[], shard: number): Promise<void> {
    const scans = items.map((i) => i.scan);
    for (let attempt = 1; ; attempt++) {
      const started = Date.now();
      let connection: { client: ClientBase; tenantId?: string } | undefined;
      try {
        connection = await this.connection(shard);
        // Row-level security reads the setting, bound here for the session: no round trip per batch.
        if (connection.tenantId !== tenantId) {
          await bindSessionTenant(connection.client, tenantId);
          connection.tenantId = tenantId;
        }
        const { client } = connection;
        const result =
          (await applyScansAutocommit(client, tenantId, scans, shard)) ??
          (await this.db.transaction((trx) => applyScans(trx, tenantId, scans, shard), { connection: client }));
        this.logger.debug(
          { size: items.length, ms: Date.now() - started, queued: this.queue.length },
          'scan batch committed',
        );
        items.forEach((p, j) => p.resolve(result.outcomes[j]));
        this.onCommit({ tenantId, ...result });
        return;
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (connection) connection.tenantId = undefined;
        if (code && RETRYABLE.has(code) && attempt < 5) continue;
        // Anything else may have broken the connection: the next batch of this shard opens a new one.
        await this.dropConnection(shard);
        this.logger.error({ err, size: items.length }, 'scan batch failed');
        for (const p of items) p.reject(err);
        return;
      }
    }
  }

  private async connection(shard: number): Promise<{ client: ClientBase; tenantId?: string }> {
    let c = this.connections.get(shard);
    if (!c) {
      const client = (await this.db.client.acquireRawConnection()) as ClientBase;
      client.on('error', (err: Error) => {
        this.logger.warn({ err, shard }, 'scan connection lost');
        void this.dropConnection(shard);
      });
      c = { client };
      this.connections.set(shard, c);
    }
    return c;
  }

  private async dropConnection(shard: number): Promise<void> {
    const c = this.connections.get(shard);
    this.connections.delete(shard);
    if (c) await this.db.client.destroyRawConnection(c.client).catch(() => undefined);
  }

  /** Closes the batcher's own connections; call after `drain`. */
  async close(): Promise<void> {
    clearTimeout(this.waitTimer);
    await Promise.all(this.replanning);
    await Promise.all([...this.connections.keys()].map((shard) => this.dropConnection(shard)));
  }
}
