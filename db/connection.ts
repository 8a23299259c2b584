import knex, { type Knex } from 'knex';
import pg, { type ClientBase, type QueryResultRow } from 'pg';

// Identity columns are bigint; ids stay far below 2^53, so numbers are safe and simpler to use.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

export type Db = Knex;
export type Tx = Knex.Transaction;

export function createDb(url: string, poolMax = 10): Db {
  return knex({
    client: 'pg',
    connection: url,
    pool: { min: 0, max: poolMax },
    acquireConnectionTimeout: 30_000,
  });
}

/**
 * Runs `fn` in a transaction bound to one tenant: row-level security policies read
 * `app.tenant_id`, and `set_config(..., true)` scopes it to this transaction only.
 */
export async function withTenant<T>(db: Db, tenantId: string, fn: (trx: Tx) => Promise<T>): Promise<T> {
  return db.transaction(async (trx) => {
    await enterTenant(trx, tenantId);
    return fn(trx);
  });
}

/** Binds an open transaction to one tenant, for callers that learn the tenant inside it. */
export async function enterTenant(trx: Tx, tenantId: string): Promise<void> {
  await trx.raw("select set_config('app.tenant_id', ?, true)", [tenantId]);
}

/** The connection a transaction runs on, for what knex cannot express (named prepared statements). */
export async function connectionOf(tx: Tx): Promise<ClientBase> {
  return (await tx.client.acquireConnection()) as ClientBase;
}

/**
 * Runs a hot statement as a named prepared statement on `connection` (a transaction's comes from
 * `connectionOf`): for small statements planning can cost more than running.
 */
export async function prepared<T extends QueryResultRow>(
  connection: ClientBase,
  name: string,
  text: string,
  values: unknown[],
): Promise<T[]> {
  // A connection keeps its generic plans, made when the tables may have been small: re-plan now and then.
  const plannedAt = plansMadeAt.get(connection);
  if (plannedAt === undefined) plansMadeAt.set(connection, Date.now());
  else if (Date.now() - plannedAt > REPLAN_AFTER_MS) await discardPlans(connection);
  return (await connection.query<T>({ name, text, values })).rows;
}

/** Drops the plans `connection` keeps: each prepared statement is planned again when next run. */
export async function discardPlans(connection: ClientBase): Promise<void> {
  await connection.query('discard plans');
  plansMadeAt.set(connection, Date.now());
}

/** How long until `prepared` drops the plans of `connection` (Infinity: it has made none). */
export function msUntilReplan(connection: ClientBase): number {
  const plannedAt = plansMadeAt.get(connection);
  return plannedAt === undefined ? Infinity : plannedAt + REPLAN_AFTER_MS - Date.now();
}
const REPLAN_AFTER_MS = 2000;
const plansMadeAt = new WeakMap<ClientBase, number>();

/** A round trip to the server, for readiness checks. */
export async function ping(db: Db): Promise<void> {
  await db.raw('select 1');
}
