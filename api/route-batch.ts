import type Koa from 'koa';
import type { z } from 'zod';
import { enterTenant, type Tx } from '../db/connection';
import { AppError } from '../lib/errors';
import { appendAudits, type AuditEntry } from '../db/platform/audit';
import { getModule } from '../db/platform/modules';
import { groupBy } from '../lib/group-by';
import { auditEntry } from './audit';
import { authenticateMany } from './auth';
import { idempotencyCaller, idempotencyClaim } from './idempotency';
import {
  claimKeys,
  releaseKeys,
  storeResponses,
  type IdempotencyClaim,
  type IdempotencyRef,
} from '../db/platform/idempotency';
import { admit } from './input';
import { responseStatus } from './respond';
// Types only: route.ts imports this module, so no value may come back from it.
import type { AnyObject, Auth, BatchInput, RouteBatch, RouteDeps, RouteSpec } from './route';

/** An item of a batch leaves it and goes through the route's `handler` alone, after the batch committed. */
export const RUN_ALONE = Symbol('run alone');

export interface Waiting {
  ctx: Koa.Context;
  token: string;
  idempotencyKey: string;
}
export type Answer = { status: number; body: unknown; headers?: Record<string, string> } | AppError | typeof RUN_ALONE;

/**
 * Decides a gathered batch of a route's requests: callers first, all at once, then one transaction
 * per tenant. A batch that fails leaves its requests to run alone, each in its own transaction.
 */
export async function decideBatch<P extends AnyObject, Q extends AnyObject, B extends z.ZodType, T>(
  deps: RouteDeps,
  spec: RouteSpec<P, Q, B, T>,
  batch: RouteBatch<BatchInput<z.output<P>, z.output<Q>, z.output<B>>, T>,
  waiting: Waiting[],
): Promise<Answer[]> {
  const answers: Answer[] = waiting.map(() => RUN_ALONE);
  const callers = await authenticateMany(
    deps.db,
    waiting.map((w) => w.token),
    deps.tokenSecret,
    spec.access.module,
  );
  type Caller = Exclude<(typeof callers)[number], AppError>;
  const authenticated: { index: number; caller: Caller }[] = [];
  callers.forEach((caller, index) => {
    if (caller instanceof AppError) answers[index] = caller;
    else authenticated.push({ index, caller });
  });
  const tenants = groupBy(authenticated, ({ caller }) => caller.auth.tenantId);
  for (const [tenantId, group] of tenants) {
    try {
      const decided = await deps.db.transaction(async (tx) => {
        await enterTenant(tx, tenantId);
        const mine = new Map<number, Answer>();
        const customerModule =
          spec.access.module && group.some(({ caller }) => caller.moduleRow === 'unread')
            ? await getModule(tx, spec.access.module)
            : undefined;
        const admitted: { index: number; input: BatchInput<z.output<P>, z.output<Q>, z.output<B>>; item: T }[] = [];
        for (const { index, caller } of group) {
          try {
            const moduleRow = caller.moduleRow === 'unread' ? customerModule : caller.moduleRow;
            const input = {
              ...admit(waiting[index].ctx, spec, caller.auth, moduleRow, waiting[index].idempotencyKey),
              auth: caller.auth,
            };
            admitted.push({ index, input, item: batch.prepare(input) });
          } catch (err) {
            if (!(err instanceof AppError)) throw err;
            mine.set(index, err);
          }
        }
        const claimed = await claimIdempotencyKeys(tx, admitted, waiting);
        // A key its caller already took (a repeat, or a twin earlier in this very batch) is answered alone: replayed or refused.
        const runnable = admitted.filter((a) => !waiting[a.index].idempotencyKey || claimed.has(a.index));
        const outcomes = runnable.length
          ? await batch.run(
              tx,
              tenantId,
              runnable.map((a) => a.item),
            )
          : [];
        const audits: AuditEntry[] = [];
        const stored: (IdempotencyRef & { status: number; body: unknown })[] = [];
        const released: IdempotencyRef[] = [];
        runnable.forEach((a, n) => {
          const outcome = outcomes[n];
          const key = waiting[a.index].idempotencyKey;
          const caller = idempotencyCaller(a.input.auth);
          if (outcome === RUN_ALONE || outcome instanceof AppError) {
            mine.set(a.index, outcome);
            if (key) released.push({ caller, key });
            return;
          }
          const status = responseStatus(outcome, outcome.body);
          mine.set(a.index, { status, body: outcome.body, headers: outcome.headers });
          if (spec.method !== 'get') audits.push(auditEntry(a.input.auth, spec, a.input.params, a.input.body, outcome));
          if (key) stored.push({ caller, key, status, body: outcome.body });
        });
        await appendAudits(tx, tenantId, audits);
        await storeResponses(tx, tenantId, stored);
        if (released.length) await releaseKeys(tx, tenantId, released);
        return mine;
      });
      for (const [i, answer] of decided) answers[i] = answer;
    } catch (err) {
      deps.logger.warn({ err, route: spec.path, requests: group.length }, 'batch rolled back: its requests run alone');
    }
  }
  return answers;
}

/**
 * The batch's keys in one statement: the requests that claimed their key now. Keys are the caller's
 * own, so the same key from two callers is two claims; a caller's twin loses to its first request.
 */
async function claimIdempotencyKeys(
  tx: Tx,
  admitted: { index: number; input: { auth: Auth } }[],
  waiting: Waiting[],
): Promise<Set<number>> {
  const first = new Map<string, { index: number; claim: IdempotencyClaim }>();
  for (const { index, input } of admitted) {
    const key = waiting[index].idempotencyKey;
    if (!key) continue;
    const claim = idempotencyClaim(waiting[index].ctx, input.auth, key);
    const ref = JSON.stringify([claim.caller, key]);
    if (!first.has(ref)) first.set(ref, { index, claim });
  }
  if (!first.size) return new Set();
  const requests = [...first.values()];
  const taken = await claimKeys(
    tx,
    requests.map((r) => r.claim),
  );
  return new Set(requests.filter((_, i) => taken[i]).map((r) => r.index));
}
