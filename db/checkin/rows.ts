import type { Tx } from '../connection';

/** The rows of a hand-written statement: most check-in reads are joins and aggregates knex cannot say. */
export async function rows<T>(tx: Tx, sql: string, bindings: unknown[]): Promise<T[]> {
  return (await tx.raw<{ rows: T[] }>(sql, bindings as never)).rows;
}
