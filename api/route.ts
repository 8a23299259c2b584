import type Koa from 'koa';
import type Router from '@koa/router';
import { createHash } from 'node:crypto';
import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { enterTenant, withTenant, type Db, type Tx } from '../db/connection';
import { GroupCommit } from '../lib/group-commit';
import type { Logger } from '../lib/logger';
import { isApiKey, hashApiKey, verifyCustomerToken, type Scope } from '../lib/credentials';
import { AppError, type FieldError } from '../lib/errors';
import { ProblemSchema } from './schemas/common';
import { appendAudits, getModule, type AuditEntry } from '../db/platform';
import { moduleAdmits, type ModuleName } from '../domain/platform/plans';
import { groupBy } from '../lib/group-by';

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

const SATISFIES: Record<Scope, Scope[]> = {
  read: ['read', 'write', 'admin'],
  write: ['write', 'admin'],
  admin: ['admin'],
  scanner: ['scanner', 'write', 'admin'],
};

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
type AnyObject = z.ZodType<Record<string, unknown>>;

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
  /** Accepts an `Idempotency-Key` header: a repeat with the same key and body replays the first answer. */
  idempotent?: boolean;
  responses: Record<number, { description: string; schema?: z.ZodType }>;
  handler(input: HandlerInput<z.output<P>, z.output<Q>, z.output<B>>): Promise<HandlerResult>;
  /** Group commit for a hot route: concurrent requests are decided together (see `RouteBatch`). */
  batch?: RouteBatch<BatchInput<z.output<P>, z.output<Q>, z.output<B>>, T>;
}

/** An item of a batch leaves it and goes through the route's `handler` alone, after the batch committed. */
export const RUN_ALONE = Symbol('run alone');

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

function fieldErrors(where: string, error: z.ZodError): FieldError[] {
  return error.issues.map((i) => ({
    path: [where, ...i.path.map(String)].join('.'),
    message: i.message,
    code: i.code,
  }));
}

function bearer(ctx: Koa.Context): string {
  const header = ctx.get('authorization');
  const match = /^Bearer\s+(\S{1,2048})$/i.exec(header);
  if (!match)
    throw new AppError(401, 'unauthenticated', 'Send an API key or customer token as `Authorization: Bearer <token>`');
  return match[1];
}

type ModuleRow = { enabled: boolean; rollout_percent: number } | undefined;

interface KeyRow {
  key_id: number;
  tenant_id: string;
  scopes: Scope[];
  module_enabled: boolean | null;
  module_rollout_percent: number | null;
}

const keyCaller = (row: KeyRow): { auth: Auth; moduleRow: ModuleRow } => ({
  auth: { kind: 'key', tenantId: row.tenant_id, keyId: Number(row.key_id), scopes: row.scopes },
  moduleRow:
    row.module_enabled === null
      ? undefined
      : { enabled: row.module_enabled, rollout_percent: Number(row.module_rollout_percent) },
});

const unknownKey = (): AppError => new AppError(401, 'invalid_credentials', 'The API key is unknown or revoked');
const badCustomerToken = (): AppError =>
  new AppError(401, 'invalid_credentials', 'The customer token is invalid or expired');

/**
 * Authenticates inside the request's transaction and binds it to the caller's tenant: for an API
 * key the lookup, the tenant setting and the route's module row are one statement, round trips
 * saved on every call.
 */
async function authenticate(
  tx: Tx,
  token: string,
  tokenSecret: string,
  module: ModuleName | undefined,
): Promise<{ auth: Auth; moduleRow: ModuleRow }> {
  if (isApiKey(token)) {
    const {
      rows: [row],
    } = await tx.raw<{ rows: KeyRow[] }>(
      `select k.key_id, k.tenant_id, k.scopes, k.module_enabled, k.module_rollout_percent, set_config('app.tenant_id', k.tenant_id, true)
      from usher_authenticate_key(?, ?) k`,
      [hashApiKey(token), module ?? ''],
    );
    if (!row) throw unknownKey();
    return keyCaller(row);
  }
  const claims = await verifyCustomerToken(tokenSecret, token);
  if (!claims) throw badCustomerToken();
  await enterTenant(tx, claims.tenantId);
  return { auth: { kind: 'customer', ...claims }, moduleRow: module && (await getModule(tx, module)) };
}

/** A batch's callers: all API keys in one statement; a customer's module row is read later, in its tenant's transaction. */
async function authenticateMany(
  db: Db,
  tokens: string[],
  tokenSecret: string,
  module: ModuleName | undefined,
): Promise<({ auth: Auth; moduleRow: ModuleRow | 'unread' } | AppError)[]> {
  const keyed = tokens.flatMap((t, i) => (isApiKey(t) ? [i] : []));
  const found = new Map<number, KeyRow>();
  if (keyed.length) {
    const { rows } = await db.raw<{ rows: (KeyRow & { i: number })[] }>(
      `select h.i::int, k.key_id, k.tenant_id, k.scopes, k.module_enabled, k.module_rollout_percent
      from unnest(?::text[]) with ordinality h(hash, i) cross join lateral usher_authenticate_key(h.hash, ?) k`,
      [keyed.map((i) => hashApiKey(tokens[i])), module ?? ''],
    );
    for (const row of rows) found.set(keyed[row.i - 1], row);
  }
  return Promise.all(
    tokens.map(async (token, i) => {
      if (isApiKey(token)) {
        const row = found.get(i);
        return row ? keyCaller(row) : unknownKey();
      }
      const claims = await verifyCustomerToken(tokenSecret, token);
      return claims
        ? { auth: { kind: 'customer' as const, ...claims }, moduleRow: 'unread' as const }
        : badCustomerToken();
    }),
  );
}

function authorise(auth: Auth, access: Access): void {
  if (auth.kind === 'customer') {
    if (!access.customer) throw new AppError(403, 'forbidden', 'A customer token cannot call this route');
    return;
  }
  if (!auth.scopes.some((s) => SATISFIES[access.scope].includes(s))) {
    throw new AppError(403, 'insufficient_scope', `This route needs the ${access.scope} scope`);
  }
}

function parseInput<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType>(
  ctx: Koa.Context,
  spec: { params?: P; query?: Q; body?: B },
): { params: z.output<P>; query: z.output<Q>; body: z.output<B> } {
  const errors: FieldError[] = [];
  const run = <S extends z.ZodType>(where: string, schema: S | undefined, value: unknown): z.output<S> => {
    if (!schema) return undefined as z.output<S>;
    const r = schema.safeParse(value);
    if (r.success) return r.data;
    errors.push(...fieldErrors(where, r.error));
    return undefined as z.output<S>;
  };
  const params = run('params', spec.params, ctx.params);
  const query = run('query', spec.query, ctx.query);
  const body = run('body', spec.body, (ctx.request as { body?: unknown }).body);
  if (errors.length) throw new AppError(400, 'validation_failed', 'The request is not valid', { errors });
  return { params, query, body };
}

const IDEMPOTENCY_KEY = /^[\w.:-]{1,255}$/;

interface StoredResponse {
  status: number;
  body: unknown;
}

function idempotencyClaim(ctx: Koa.Context, tenantId: string, key: string) {
  const hash = createHash('sha256')
    .update(JSON.stringify((ctx.request as { body?: unknown }).body ?? null))
    .digest('hex');
  return { tenant_id: tenantId, key, method: ctx.method, path: ctx.path, request_hash: hash };
}

/** Claims the key inside the request's transaction; a concurrent twin waits on the row lock. */
async function claimIdempotencyKey(
  tx: Tx,
  ctx: Koa.Context,
  auth: Auth,
  key: string,
): Promise<StoredResponse | undefined> {
  const claim = idempotencyClaim(ctx, auth.tenantId, key);
  const inserted = await tx('idempotency_keys')
    .insert(claim)
    .onConflict(['tenant_id', 'key'])
    .ignore()
    .returning('key');
  if (inserted.length) return undefined;
  const row = await tx('idempotency_keys').where({ tenant_id: auth.tenantId, key }).first();
  if (row.request_hash !== claim.request_hash || row.path !== ctx.path || row.method !== ctx.method) {
    throw new AppError(422, 'idempotency_key_reused', 'This Idempotency-Key was used with a different request');
  }
  if (row.status_code === null)
    throw new AppError(
      409,
      'idempotency_key_in_progress',
      'A request with this Idempotency-Key is still being processed',
    );
  return { status: row.status_code, body: row.response };
}

async function storeIdempotentResponses(
  tx: Tx,
  tenantId: string,
  answers: { key: string; status: number; body: unknown }[],
): Promise<void> {
  if (!answers.length) return;
  await tx.raw(
    `update idempotency_keys k set status_code = u.status, response = u.response
    from unnest(?::text[], ?::int[], ?::jsonb[]) u (key, status, response) where k.tenant_id = ? and k.key = u.key`,
    [
      answers.map((a) => a.key),
      answers.map((a) => a.status),
      answers.map((a) => JSON.stringify(a.body ?? null)),
      tenantId,
    ],
  );
}

const responseStatus = (result: HandlerResult, body: unknown): number =>
  result.status ?? (body === undefined ? 204 : 200);

/** The event a request is about, for modules rolled out to a share of a tenant's events. */
function eventIdOf(path: string, input: { params: unknown; query: unknown; body: unknown }): number | undefined {
  const fromBody = (input.body as { event_id?: unknown } | undefined)?.event_id;
  const fromQuery = (input.query as { event_id?: unknown } | undefined)?.event_id;
  const fromPath = /\/events\/\{id\}/.test(path) ? (input.params as { id?: unknown }).id : undefined;
  const id = [fromBody, fromQuery, fromPath].find((v) => typeof v === 'number');
  return id as number | undefined;
}

/** Every mutating call leaves a trace: who, which route, on what, with what input. */
function auditEntry(
  auth: Auth,
  spec: { method: Method; path: string; tags: string[] },
  params: unknown,
  body: unknown,
  result: HandlerResult,
): AuditEntry {
  const p = params as { id?: number } | undefined;
  const produced =
    typeof result.body === 'object' && result.body !== null ? (result.body as { id?: unknown }) : undefined;
  return {
    actor:
      auth.kind === 'key'
        ? { type: 'api_key', id: String(auth.keyId) }
        : { type: 'customer', id: String(auth.customerId) },
    action: `${spec.method.toUpperCase()} ${spec.path}`,
    entityType: spec.tags[0]?.toLowerCase() ?? 'api',
    entityId: p?.id ?? (typeof produced?.id === 'number' || typeof produced?.id === 'string' ? produced.id : undefined),
    after: redactSecrets(body),
  };
}

const SECRET_FIELDS = new Set(['key', 'token', 'secret', 'password', 'payment_method']);
function redactSecrets(value: unknown): unknown {
  if (!value || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(redactSecrets);
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [k, SECRET_FIELDS.has(k) ? '[redacted]' : redactSecrets(v)]),
  );
}

export function toKoaPath(path: string): string {
  return path.replace(/\{(\w+)\}/g, ':$1');
}

const securityFor = (access: Access): Record<string, string[]>[] =>
  access.customer ? [{ apiKey: [] }, { customerToken: [] }] : [{ apiKey: [] }];

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
  deps.registry.registerPath({
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
            ...(r.schema ? { content: { 'application/json': { schema: r.schema } } } : {}),
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
        await storeIdempotentResponses(tx, auth.tenantId, [
          { key: idempotencyKey, status: responseStatus(result, result.body), body: result.body },
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
        storeIdempotentResponses(tx, auth.tenantId, [{ key: idempotencyKey, status, body }]),
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

function respond(ctx: Koa.Context, status: number, body: unknown, headers: Record<string, string> | undefined): void {
  for (const [name, value] of Object.entries(headers ?? {})) ctx.set(name, value);
  ctx.status = status;
  if (body !== undefined) ctx.body = body;
}

/** Checks in the order a caller learns of its mistakes: scope, input, the module, then the Idempotency-Key. */
function admit<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType>(
  ctx: Koa.Context,
  spec: { path: string; access: Access; params?: P; query?: Q; body?: B },
  auth: Auth,
  moduleRow: ModuleRow,
  idempotencyKey: string,
): { params: z.output<P>; query: z.output<Q>; body: z.output<B> } {
  authorise(auth, spec.access);
  const input = parseInput(ctx, spec);
  if (spec.access.module) {
    const eventId = eventIdOf(spec.path, input);
    if (!moduleAdmits(moduleRow, spec.access.module, eventId)) {
      throw new AppError(
        403,
        'module_not_enabled',
        eventId === undefined
          ? `The ${spec.access.module} module is not enabled for this tenant`
          : `The ${spec.access.module} module is not enabled for event ${eventId}`,
      );
    }
  }
  if (idempotencyKey && !IDEMPOTENCY_KEY.test(idempotencyKey)) {
    throw new AppError(
      400,
      'invalid_idempotency_key',
      'Idempotency-Key must be 1-255 characters of letters, digits, . : _ -',
    );
  }
  return input;
}

interface Waiting {
  ctx: Koa.Context;
  token: string;
  idempotencyKey: string;
}
type Answer = { status: number; body: unknown; headers?: Record<string, string> } | AppError | typeof RUN_ALONE;

/**
 * Decides a gathered batch of a route's requests: callers first, all at once, then one transaction
 * per tenant. A batch that fails leaves its requests to run alone, each in its own transaction.
 */
async function decideBatch<P extends AnyObject, Q extends AnyObject, B extends z.ZodType, T>(
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
        const claimed = await claimIdempotencyKeys(
          tx,
          tenantId,
          admitted.map((a) => a.index),
          waiting,
        );
        // A key already taken (a repeat, or a twin earlier in this very batch) is answered alone: replayed or refused.
        const runnable = admitted.filter(
          (a) => !waiting[a.index].idempotencyKey || claimed.get(waiting[a.index].idempotencyKey) === a.index,
        );
        const outcomes = runnable.length
          ? await batch.run(
              tx,
              tenantId,
              runnable.map((a) => a.item),
            )
          : [];
        const audits: AuditEntry[] = [];
        const stored: { key: string; status: number; body: unknown }[] = [];
        const released: string[] = [];
        runnable.forEach((a, n) => {
          const outcome = outcomes[n];
          const key = waiting[a.index].idempotencyKey;
          if (outcome === RUN_ALONE || outcome instanceof AppError) {
            mine.set(a.index, outcome);
            if (key) released.push(key);
            return;
          }
          const status = responseStatus(outcome, outcome.body);
          mine.set(a.index, { status, body: outcome.body, headers: outcome.headers });
          if (spec.method !== 'get') audits.push(auditEntry(a.input.auth, spec, a.input.params, a.input.body, outcome));
          if (key) stored.push({ key, status, body: outcome.body });
        });
        await appendAudits(tx, tenantId, audits);
        await storeIdempotentResponses(tx, tenantId, stored);
        if (released.length)
          await tx('idempotency_keys').where({ tenant_id: tenantId }).whereIn('key', released).delete();
        return mine;
      });
      for (const [i, answer] of decided) answers[i] = answer;
    } catch (err) {
      deps.logger.warn({ err, route: spec.path, requests: group.length }, 'batch rolled back: its requests run alone');
    }
  }
  return answers;
}

/** The batch's keys in one statement: each key claimed now, with the request that claimed it. */
async function claimIdempotencyKeys(
  tx: Tx,
  tenantId: string,
  indexes: number[],
  waiting: Waiting[],
): Promise<Map<string, number>> {
  const first = new Map<string, number>();
  for (const i of indexes)
    if (waiting[i].idempotencyKey && !first.has(waiting[i].idempotencyKey)) first.set(waiting[i].idempotencyKey, i);
  if (!first.size) return first;
  const inserted: { key: string }[] = await tx('idempotency_keys')
    .insert([...first].map(([key, i]) => idempotencyClaim(waiting[i].ctx, tenantId, key)))
    .onConflict(['tenant_id', 'key'])
    .ignore()
    .returning('key');
  const taken = new Set(inserted.map((r) => r.key));
  return new Map([...first].filter(([key]) => taken.has(key)));
}

export interface PublicRouteSpec {
  method: Method;
  path: string;
  summary: string;
  tags: string[];
  description?: string;
  /** Documented body; public routes parse their own input (e.g. a signed raw body). */
  body?: z.ZodType;
  responses: Record<number, { description: string; contentType?: string; schema?: z.ZodType }>;
  handler: Koa.Middleware;
}

/** A route outside tenant credentials (health, docs, signed provider callbacks), still documented. */
export function definePublicRoute(deps: Pick<RouteDeps, 'router' | 'registry'>, spec: PublicRouteSpec): void {
  deps.registry.registerPath({
    method: spec.method,
    path: spec.path,
    summary: spec.summary,
    tags: spec.tags,
    description: spec.description,
    request: spec.body ? { body: { content: { 'application/json': { schema: spec.body } } } } : undefined,
    responses: Object.fromEntries(
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
  });
  deps.router[spec.method](toKoaPath(spec.path), spec.handler);
}
