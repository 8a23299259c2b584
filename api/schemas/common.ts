import { z } from 'zod';

export const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    code: z.string().meta({ description: 'Stable machine-readable error code' }),
    detail: z.string().optional(),
    errors: z.array(z.object({ path: z.string(), message: z.string(), code: z.string() })).optional(),
  })
  .meta({ id: 'Problem' });

const INTEGER = 'an integer';
/** An id in a JSON body: exactly a JSON integer, never a string or a boolean read as one. */
export const Id = z.number({ error: INTEGER }).int({ error: INTEGER }).positive().max(Number.MAX_SAFE_INTEGER);

const DECIMAL = /^(0|[1-9][0-9]{0,15})$/;
/**
 * An integer in a path or query string: plain decimal digits only. Anything else (`0x7f`, `1e2`, `+5`,
 * `127.0`, an empty value) stays a string, which the integer schema refuses.
 */
export const fromDecimal = <S extends z.ZodType<number>>(schema: S) =>
  z.preprocess((v) => (typeof v === 'string' && DECIMAL.test(v) ? Number(v) : v), schema);
const integer = (min: number, max: number) =>
  z.number({ error: 'an integer in plain decimal digits' }).int().min(min).max(max);
/** An id in a path or query string. */
export const IdParam = fromDecimal(integer(1, Number.MAX_SAFE_INTEGER));
export const IdParams = z.object({ id: IdParam });
/** A page size in a query string. */
export const limitParam = (max: number, fallback: number) => fromDecimal(integer(1, max)).default(fallback);

export const text = (max: number) => z.string().trim().min(1).max(max);
export const optionalText = (max: number) => z.string().trim().max(max).nullable().optional();
export const Email = z
  .email()
  .max(254)
  .transform((e) => e.toLowerCase());
export const Currency = z
  .string()
  .regex(/^[A-Z]{3}$/, 'an ISO 4217 code in capitals, e.g. EUR')
  .meta({ examples: ['EUR'] });
export const MinorUnits = z.number().int().min(0).max(100_000_000);
export const Timestamp = z.iso.datetime({ offset: true });
export const ExternalRef = z.string().trim().min(1).max(200);
/** A label segments filter on (customer tags, event tags). */
export const Tag = z
  .string()
  .trim()
  .regex(
    /^[\p{L}\p{N}][\p{L}\p{N} _.:-]{0,63}$/u,
    'letters, digits, space, _ . : - (at most 64), starting with a letter or digit',
  );
export const Tags = z.array(Tag).max(50);
/** An event category such as `concerts` or `festivals`: lower case, digits, _ and -. */
export const Category = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'lower-case letters, digits, _ or -, e.g. concerts');

/** The id a page continues after. */
export const AfterParam = fromDecimal(integer(0, Number.MAX_SAFE_INTEGER));
export const Pagination = z.object({
  limit: limitParam(200, 50),
  after: AfterParam.optional().meta({ description: 'Return items with an id above this cursor' }),
});

export const page = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), next_cursor: z.number().int().nullable() });

export function toPage<T extends { id: number }>(rows: T[], limit: number): { items: T[]; next_cursor: number | null } {
  return { items: rows, next_cursor: rows.length === limit ? rows[rows.length - 1].id : null };
}

export const isoOrNull = (d: Date | string | null | undefined): string | null =>
  d === null || d === undefined ? null : new Date(d).toISOString();

/** Maps rows one at a time: queries on one transaction's connection cannot run concurrently. */
export async function mapInOrder<T, R>(rows: T[], fn: (row: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (const row of rows) out.push(await fn(row));
  return out;
}
