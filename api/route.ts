import type Koa from 'koa';
import type Router from '@koa/router';
import type { OpenAPIRegistry, RouteConfig } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { withTenant, type Db, type Tx } from '../db/connection';
import { GroupCommit } from '../lib/group-commit';
import type { Logger } from '../lib/logger';
import type { Scope } from '../lib/credentials';
import { AppError } from '../lib/errors';
import { ProblemSchema } from './schemas/common';
import { appendAudits } from '../db/platform/audit';
import type { ModuleName } from '../domain/platform/plans';
import { auditEntry } from './audit';
import { authenticate, bearer } from './auth';
import { claimIdempotencyKey, idempotencyCaller } from './idempotency';
import { storeResponses } from '../db/platform/idempotency';
import { admit } from './input';
import { respond, responseStatus } from './respond';
import { RUN_ALONE, decideBatch, type Answer, type Waiting } from './route-batch';

// Route modules import these from here; defined lower down so that no module needs a value from route.ts.
export { RUN_ALONE };
export { fieldErrors } from './input';

export type Auth =
  | { kind: 'key'; tenantId: string; keyId: number; scopes: Scope[] }
  | { kind: 'customer'; tenantId: string; customerId: number };

/** Which callers a route admits: the least key scope it needs, and whether a customer token will do. */
export interface Access {
  scope: Scope;
  customer?: boolean;
  /** The add-on module the tenant must have enabled (403 `module_not_enabled` otherwise). */
  module?: ModuleName;
}

export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
export type AnyObject = z.ZodType<Record<string, unknown>>;

export interface HandlerInput<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  auth: Auth;
  tx: Tx;
  ctx: Koa.Context;
  /** Work that must only happen once the transaction is durable, such as starting a workflow. */
  afterCommit(fn: () => Promise<void>): void;
}

export interface HandlerResult {
  status?: number;
  /** A function is evaluated after commit and after-commit work, e.g. to include what a workflow produced. */
  body?: unknown;
  headers?: Record<string, string>;
}

export interface RouteSpec<P extends AnyObject, Q extends AnyObject, B extends z.ZodType, T = unknown> {
  method: Method;
  /** OpenAPI form, e.g. `/api/events/{id}`. */
  path: string;
  summary: string;
  tags: string[];
  access: Access;
  params?: P;
  query?: Q;
  body?: B;
  /**
   * Accepts an `Idempotency-Key` header: a repeat by the same caller (API key or customer) with the
   * same key and body replays the first answer; another caller's use of the key is a request of its own.
   */
  idempotent?: boolean;
  /** `csv`: the response may also be `text/csv` (a `?format=csv` export), documented beside the JSON. */
  responses: Record<number, { description: string; schema?: z.ZodType; csv?: boolean }>;
  handler(input: HandlerInput<z.output<P>, z.output<Q>, z.output<B>>): Promise<HandlerResult>;
  /** Group commit for a hot route: concurrent requests are decided together (see `RouteBatch`). */
  batch?: RouteBatch<BatchInput<z.output<P>, z.output<Q>, z.output<B>>, T>;
}

/** A batch item's answer: a result (body a value, not a function), a 4xx of which nothing was written, or `RUN_ALONE`. */
export type BatchOutcome = HandlerResult | AppError | typeof RUN_ALONE;

export interface BatchInput<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  auth: Auth;
}

/**
 * Requests that arrive while `maxInFlight` batches of the route are committing queue up, and
 * are decided together in one transaction per tenant: one statement for all their API keys,
 * set-based statements in `run`, one for their audit rows and one for their idempotent answers.
 * Each request keeps its own outcome. `run` throwing rolls its batch back, and every item of it
 * then goes through `handler` alone, so `handler` stays the reference for every rule.
 */
export interface RouteBatch<I, T> {
  maxBatch: number;
  maxInFlight: number;
  /** An admitted request's part of the batch; an AppError thrown here answers that request alone. */
  prepare(item: I): T;
  /** One outcome per item, in order. */
  run(tx: Tx, tenantId: string, items: T[]): Promise<BatchOutcome[]>;
}

export interface RouteDeps {
  router: Router;
  registry: OpenAPIRegistry;
  db: Db;
  tokenSecret: string;
  logger: Logger;
}

export function toKoaPath(path: string): string {
  return path.replace(/\{(\w+)\}/g, ':$1');
}

const securityFor = (access: Access): Record<string, string[]>[] =>
  access.customer ? [{ apiKey: [] }, { customerToken: [] }] : [{ apiKey: [] }];

const words = (s: string): string =>
  s
    .split(/[^A-Za-z0-9]+/)
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');

/**
 * The operationId of a route, derived from its method and path so that it changes only when the
 * URL does: `get /api/events/{id}/ticket-types` is `getEventsByIdTicketTypes`.
 */
export function operationIdFor(method: string, path: string): string {
  const segments = path.split('/').filter((s, i) => s && !(i === 1 && s === 'api'));
  return method + segments.map((s) => (/^\{\w+\}$/.test(s) ? `By${words(s.slice(1, -1))}` : words(s))).join('');
}

const operationIds = new WeakMap<OpenAPIRegistry, Set<string>>();

/** Documents an operation under its derived operationId, refusing a second operation with the same one. */
export function registerOperation(registry: OpenAPIRegistry, route: Omit<RouteConfig, 'operationId'>): void {
  const operationId = operationIdFor(route.method, route.path);
  const seen = operationIds.get(registry) ?? new Set<string>();
  operationIds.set(registry, seen);
  if (seen.has(operationId)) throw new Error(`Two operations would share the operationId ${operationId}`);
  seen.add(operationId);
  registry.registerPath({ ...route, operationId });
}

export function defineRoute<P extends AnyObject, Q extends AnyObject, B extends z.ZodType, T = unknown>(
  deps: RouteDeps,
  spec: RouteSpec<P, Q, B, T>,
): void {
  const errorResponses = Object.fromEntries(
    (
      [
        [400, 'Invalid input'],
        [401, 'Missing or invalid credentials'],
        [403, 'Not allowed'],
        [404, 'Not found or not yours'],
        [409, 'Conflict'],
        [422, 'Business rule violated'],
      ] as const
    )
      .filter(([status]) => !(status in spec.responses))
      .map(([status, description]) => [
        status,
        { description, content: { 'application/problem+json': { schema: ProblemSchema } } },
      ]),
  );
  registerOperation(deps.registry, {
    method: spec.method,
    path: spec.path,
    summary: spec.summary,
    tags: spec.tags,
    security: securityFor(spec.access),
    request: {
      params: spec.params as z.ZodObject | undefined,
      query: spec.query as z.ZodObject | undefined,
      headers: spec.idempotent ? z.object({ 'idempotency-key': z.string().max(255).optional() }) : undefined,
      body: spec.body ? { content: { 'application/json': { schema: spec.body } }, required: true } : undefined,
    },
    responses: {
      ...Object.fromEntries(
        Object.entries(spec.responses).map(([status, r]) => [
          status,
          {
            description: r.description,
            ...(r.schema
              ? {
                  content: {
                    'application/json': { schema: r.schema },
                    ...(r.csv ? { 'text/csv': { schema: z.string() } } : {}),
                  },
                }
              : {}),
          },
        ]),
      ),
      ...errorResponses,
    },
  });

  const idempotencyKeyOf = (ctx: Koa.Context): string => (spec.idempotent ? ctx.get('idempotency-key') : '');
  const alone = async (ctx: Koa.Context): Promise<void> => {
    const token = bearer(ctx);
    const after: (() => Promise<void>)[] = [];
    const idempotencyKey = idempotencyKeyOf(ctx);

    const outcome = await deps.db.transaction(async (tx) => {
      const { auth, moduleRow } = await authenticate(tx, token, deps.tokenSecret, spec.access.module);
      const input = admit(ctx, spec, auth, moduleRow, idempotencyKey);
      if (idempotencyKey) {
        const replay = await claimIdempotencyKey(tx, ctx, auth, idempotencyKey);
        if (replay) return { auth, replay };
      }
      const result = await spec.handler({
        ...input,
        auth,
        tx,
        ctx,
        afterCommit: (fn) => {
          after.push(fn);
        },
      });
      if (spec.method !== 'get')
        await appendAudits(tx, auth.tenantId, [auditEntry(auth, spec, input.params, input.body, result)]);
      // An answer known before commit is stored with the change itself: no second transaction.
      const settled = idempotencyKey && !after.length && typeof result.body !== 'function';
      if (settled)
        await storeResponses(tx, auth.tenantId, [
          {
            caller: idempotencyCaller(auth),
            key: idempotencyKey,
            status: responseStatus(result, result.body),
            body: result.body,
          },
        ]);
      return { auth, result, settled };
    });
    const { auth } = outcome;

    if ('replay' in outcome && outcome.replay) {
      ctx.set('Idempotent-Replayed', 'true');
      ctx.status = outcome.replay.status;
      ctx.body = outcome.replay.body ?? undefined;
      return;
    }
    const result = outcome.result as HandlerResult;
    for (const fn of after) await fn();
    const body = typeof result.body === 'function' ? await (result.body as () => Promise<unknown>)() : result.body;
    const status = responseStatus(result, body);
    if (idempotencyKey && !outcome.settled) {
      await withTenant(deps.db, auth.tenantId, (tx) =>
        storeResponses(tx, auth.tenantId, [{ caller: idempotencyCaller(auth), key: idempotencyKey, status, body }]),
      );
    }
    respond(ctx, status, body, result.headers);
  };

  if (!spec.batch) {
    deps.router[spec.method](toKoaPath(spec.path), alone);
    return;
  }
  const { batch } = spec;
  const batcher = new GroupCommit<Waiting, Answer>((items) => decideBatch(deps, spec, batch, items), batch);
  deps.router[spec.method](toKoaPath(spec.path), async (ctx) => {
    const answer = await batcher.submit({ ctx, token: bearer(ctx), idempotencyKey: idempotencyKeyOf(ctx) });
    if (answer === RUN_ALONE) return alone(ctx);
    if (answer instanceof AppError) throw answer;
    respond(ctx, answer.status, answer.body, answer.headers);
  });
}

export interface PublicRouteSpec {
  method: Method;
  path: string;
  summary: string;
  tags: string[];
  description?: string;
  /** Documented path and query parameters; public routes parse their own input. */
  params?: AnyObject;
  query?: AnyObject;
  /** Documented body; public routes parse their own input (e.g. a signed raw body). */
  body?: z.ZodType;
  responses: Record<number, { description: string; contentType?: string; schema?: z.ZodType }>;
  handler: Koa.Middleware;
}

const UNSUPPORTED_MEDIA_TYPE = {
  description: 'The request carried a body that is not JSON',
  content: { 'application/problem+json': { schema: ProblemSchema } },
};

/**
 * A route outside tenant credentials (health, docs, signed provider callbacks), still documented:
 * with `security: []`, since whatever proves the caller (a signature, a pass token) is the route's own.
 */
export function definePublicRoute(deps: Pick<RouteDeps, 'router' | 'registry'>, spec: PublicRouteSpec): void {
  registerOperation(deps.registry, {
    method: spec.method,
    path: spec.path,
    summary: spec.summary,
    tags: spec.tags,
    description: spec.description,
    security: [],
    request: {
      params: spec.params as z.ZodObject | undefined,
      query: spec.query as z.ZodObject | undefined,
      body: spec.body ? { content: { 'application/json': { schema: spec.body } } } : undefined,
    },
    responses: {
      ...Object.fromEntries(
        Object.entries(spec.responses).map(([status, r]) => [
          status,
          {
            description: r.description,
            ...(r.schema || r.contentType
              ? { content: { [r.contentType ?? 'application/json']: { schema: r.schema ?? z.string() } } }
              : {}),
          },
        ]),
      ),
      // createApp refuses any request body that is not JSON, on every route.
      ...(415 in spec.responses ? {} : { 415: UNSUPPORTED_MEDIA_TYPE }),
    },
  });
  deps.router[spec.method](toKoaPath(spec.path), spec.handler);
}
