import type Koa from 'koa';
import type { z } from 'zod';
import { AppError, type FieldError } from '../lib/errors';
import { moduleAdmits } from '../domain/platform/plans';
import { authorise, type ModuleRow } from './auth';
import { IDEMPOTENCY_KEY } from './idempotency';
import type { Access, Auth } from './route';

export function fieldErrors(where: string, error: z.ZodError): FieldError[] {
  return error.issues.map((i) => ({
    path: [where, ...i.path.map(String)].join('.'),
    message: i.message,
    code: i.code,
  }));
}

// C0 controls except tab, line feed and carriage return, and DEL: Postgres refuses NUL in text and
// JSON, and the rest have no business in names, references or filters.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;
const CONTROL_MESSAGE = 'must not contain control characters (tab, line feed and carriage return are allowed)';

/** Every string (and object key) holding a control character, by its path, before any schema sees it. */
function controlCharacters(where: string, value: unknown, path: string[] = [], found: FieldError[] = []): FieldError[] {
  if (typeof value === 'string') {
    if (CONTROL.test(value))
      found.push({ path: [where, ...path].join('.'), message: CONTROL_MESSAGE, code: 'control_character' });
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => controlCharacters(where, v, [...path, String(i)], found));
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (CONTROL.test(k))
        found.push({
          path: [where, ...path].join('.'),
          message: `a key ${CONTROL_MESSAGE}`,
          code: 'control_character',
        });
      controlCharacters(where, v, [...path, k], found);
    }
  }
  return found;
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
  const raw = { params: ctx.params, query: ctx.query, body: (ctx.request as { body?: unknown }).body };
  const params = run('params', spec.params, raw.params);
  const query = run('query', spec.query, raw.query);
  const body = run('body', spec.body, raw.body);
  for (const [where, value] of Object.entries(raw)) {
    for (const e of controlCharacters(where, value)) if (!errors.some((x) => x.path === e.path)) errors.push(e);
  }
  if (errors.length) throw new AppError(400, 'validation_failed', 'The request is not valid', { errors });
  return { params, query, body };
}

/** The event a request is about, for modules rolled out to a share of a tenant's events. */
function eventIdOf(path: string, input: { params: unknown; query: unknown; body: unknown }): number | undefined {
  const fromBody = (input.body as { event_id?: unknown } | undefined)?.event_id;
  const fromQuery = (input.query as { event_id?: unknown } | undefined)?.event_id;
  const fromPath = /\/events\/\{id\}/.test(path) ? (input.params as { id?: unknown }).id : undefined;
  const id = [fromBody, fromQuery, fromPath].find((v) => typeof v === 'number');
  return id as number | undefined;
}

/** Checks in the order a caller learns of its mistakes: scope, input, the module, then the Idempotency-Key. */
export function admit<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType>(
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
