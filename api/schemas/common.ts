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

export const Id = z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER);
export const IdParams = z.object({ id: Id });

export const text = (max: number) => z.string().trim().min(1).max(max);
export const optionalText = (max: number) => z.string().trim().max(max).nullable().optional();
export const Email = z
  .email()
  .max(254)
  .transform((e) => e.toLowerCase());
export const Currency = z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code in capitals, e.g. EUR');
export const MinorUnits = z.number().int().min(0).max(100_000_000);
export const Timestamp = z.iso.datetime({ offset: true });
export const ExternalRef = z.string().trim().min(1).max(200);

export const Pagination = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  after: z.coerce.number().int().min(0).optional().meta({ description: 'Return items with an id above this cursor' }),
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
