import { connectionOf, prepared, type Tx } from '../connection';
import { conflict, notFound, unprocessable, type AppError } from '../../lib/errors';
import { queuePriority, type WaitlistMode } from '../../domain/waitlist/ordering';
import { groupBy } from '../../lib/group-by';
import type { EventRow } from '../events/events';
import { unknownCustomer, type CustomerInput, type CustomerRef } from '../customers/customers';
import { entryPosition, placeFrom, POSITION_SCAN_LIMIT, type QueuePlace, type WaitlistEntryRow } from './entries';
import { configureEventWaitlist } from './settings';

/**
 * What a new entry's place needs, read in the statement that inserts `e`: the waiting count and the
 * entries behind it, both from the statement's snapshot, so neither holds the new entries yet.
 */
const PLACE_COLUMNS = (e: string): string => `
  (select coalesce(sum(c.waiting), 0)::int from waitlist_counts c where c.ticket_type_id = ${e}.ticket_type_id) as waiting_before,
  (select count(*)::int from (select 1 from waitlist_entries x
    where x.event_id = ${e}.event_id and x.ticket_type_id = ${e}.ticket_type_id and x.status = 'waiting' and (x.priority, x.id) > (${e}.priority, ${e}.id)
    limit ${POSITION_SCAN_LIMIT}) b) as behind`;

export interface JoinInput {
  eventId: number;
  ticketTypeId: number;
  customerId: number;
  quantity: number;
  autoPurchase?: { maxPriceMinor: number; paymentMethod: string };
}

/**
 * Joins of one ticket type take turns from their first statement to commit, and draw their ids
 * only once it is their turn: each then sees every earlier join committed, and the place it
 * answers is exact. The lock is taken in a one-time filter, which runs before any id is drawn.
 * Batched joins make the turns cheap. (Advisory lock class 7301: waitlist joins.)
 */
const JOIN_TURN = (types: string) => `(select count(*) from (select pg_advisory_xact_lock(7301, hashint8(t)) from (
  select distinct t from unnest(${types}) t order by t) s) l) > 0`;

const JOIN_CONTEXT = `
  select nextval(pg_get_serial_sequence('waitlist_entries', 'id'))::bigint as id, e.status as event_status,
    exists (select 1 from ticket_types t where t.id = $2 and t.event_id = e.id) as type_ok, w.open, w.mode, w.seed
  from events e left join waitlist_settings w on w.event_id = e.id where e.id = $1 and ${JOIN_TURN('array[$2::bigint]')}`;

/** What a join checks, read in one statement; the waitlist columns are null while the event has none. */
interface JoinContext {
  id: number;
  event_status: EventRow['status'];
  type_ok: boolean;
  open: boolean | null;
  mode: WaitlistMode | null;
  seed: string | null;
}

const alreadyOnWaitlist = (): AppError =>
  conflict('already_on_waitlist', 'This customer is already on the waitlist for this ticket type');

function joinRefusal(found: Omit<JoinContext, 'id'> | undefined, ticketTypeId: number): AppError | undefined {
  if (!found) return notFound('Event');
  if (!found.type_ok)
    return unprocessable('unknown_ticket_type', `Ticket type ${ticketTypeId} does not belong to this event`);
  // The organiser's choice wins; without one, a sold-out event takes joins (its trigger may still be on the way).
  if (!(found.open ?? found.event_status === 'sold_out'))
    return unprocessable('waitlist_closed', 'The waitlist for this event is not open');
  return undefined;
}

/**
 * Adds an entry at the back of the queue (first-come) or at its drawn place (random). A join is
 * the hot path of a sell-out, so it is two statements: the checks with the new id, then the insert,
 * which also counts the waiting entries and those behind the new one for its place in line.
 */
export async function joinWaitlist(
  tx: Tx,
  tenantId: string,
  input: JoinInput,
): Promise<{ entry: WaitlistEntryRow; place: QueuePlace }> {
  // The id is drawn up front because a random draw's priority is derived from it.
  const connection = await connectionOf(tx);
  const [found] = await prepared<JoinContext>(connection, 'usher_waitlist_join_context', JOIN_CONTEXT, [
    input.eventId,
    input.ticketTypeId,
  ]);
  const refusal = joinRefusal(found, input.ticketTypeId);
  if (refusal) throw refusal;
  const settings =
    found.mode && found.seed
      ? { mode: found.mode, seed: found.seed }
      : await configureEventWaitlist(tx, tenantId, input.eventId, { open: true });
  const insert = tx('waitlist_entries')
    .insert({
      id: found.id,
      tenant_id: tenantId,
      event_id: input.eventId,
      ticket_type_id: input.ticketTypeId,
      customer_id: input.customerId,
      email: tx('customers').where({ id: input.customerId }).select('email'),
      quantity: input.quantity,
      priority: queuePriority(settings.mode, settings.seed, found.id),
      auto_purchase_max_minor: input.autoPurchase?.maxPriceMinor ?? null,
      auto_purchase_payment_method: input.autoPurchase?.paymentMethod ?? null,
    })
    .onConflict(tx.raw("(tenant_id, ticket_type_id, customer_id) where status in ('waiting', 'notified')"))
    .ignore()
    .returning('*');
  // The new entry and its count are added to what the statement saw.
  const { sql, bindings } = insert.toSQL().toNative();
  const [row] = await prepared<WaitlistEntryRow & { waiting_before: number; behind: number }>(
    connection,
    'usher_waitlist_join_insert',
    `
    with entry as (${sql})
    select entry.*, ${PLACE_COLUMNS('entry')}
    from entry`,
    [...bindings],
  );
  if (!row) throw alreadyOnWaitlist();
  const { waiting_before: waitingBefore, behind, ...entry } = row;
  return {
    entry,
    place: behind < POSITION_SCAN_LIMIT ? placeFrom(waitingBefore + 1, behind) : await entryPosition(tx, entry),
  };
}

export interface BatchJoin extends Omit<JoinInput, 'customerId'> {
  customer: CustomerRef;
}

/** A join's outcome in a batch: its entry, a refusal of which nothing was written, or undefined: decide it alone. */
export type BatchJoinOutcome = { entry: WaitlistEntryRow; place: QueuePlace } | AppError | undefined;

const JOIN_BATCH_CONTEXT = `
  select p.event_id::int, p.ticket_type_id::int, e.status as event_status,
    exists (select 1 from ticket_types t where t.id = p.ticket_type_id and t.event_id = e.id) as type_ok, w.open, w.mode, w.seed,
    (select array_agg(nextval(pg_get_serial_sequence('waitlist_entries', 'id'))) from generate_series(1, $3)) as ids
  from unnest($1::bigint[], $2::bigint[]) p (event_id, ticket_type_id)
  join events e on e.id = p.event_id left join waitlist_settings w on w.event_id = e.id
  where ${JOIN_TURN('$2::bigint[]')}`;

/**
 * Many joins of one tenant in one statement: customers whose active entry exists write nothing,
 * the others' customers are created or updated by e-mail and their entries inserted. Each row
 * also carries what its place in line needs, as the single join's insert does.
 */
const JOIN_BATCH_WRITE = `
  with input as (
    select * from unnest($1::int[], $2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[], $6::text[], $7::text[], $8::text[], $9::text[],
      $10::int[], $11::bigint[], $12::bigint[], $13::text[])
      as u (n, id, event_id, ticket_type_id, customer_id, email, name, phone, external_ref, quantity, priority, auto_max, auto_pm)
  ),
  known as (
    select i.n, c.id as customer_id, c.email from input i join customers c on c.id = i.customer_id
    union all
    select i.n, c.id, c.email from input i join customers c on c.tenant_id = $14 and c.email = i.email where i.customer_id is null
  ),
  duplicate as (
    select k.n from known k join input i on i.n = k.n where exists (
      select 1 from waitlist_entries w where w.tenant_id = $14 and w.ticket_type_id = i.ticket_type_id and w.customer_id = k.customer_id
        and w.status in ('waiting', 'notified'))
  ),
  upserted as (
    insert into customers as c (tenant_id, email, name, phone, external_ref)
    select $14, email, name, phone, external_ref from input where customer_id is null and n not in (select n from duplicate) order by email
    on conflict (tenant_id, email) do update
      set name = excluded.name, phone = excluded.phone, external_ref = coalesce(excluded.external_ref, c.external_ref), updated_at = now()
    returning id, email
  ),
  who as (
    select i.n, coalesce(k.customer_id, u.id) as customer_id, coalesce(k.email, u.email) as email
    from input i left join known k on i.customer_id is not null and k.n = i.n left join upserted u on i.customer_id is null and u.email = i.email
    where i.n not in (select n from duplicate)
  ),
  entry as (
    insert into waitlist_entries (id, tenant_id, event_id, ticket_type_id, customer_id, email, quantity, priority, auto_purchase_max_minor, auto_purchase_payment_method)
    select i.id, $14, i.event_id, i.ticket_type_id, w.customer_id, w.email, i.quantity, i.priority, i.auto_max, i.auto_pm
    from input i join who w on w.n = i.n where w.customer_id is not null order by i.id
    on conflict (tenant_id, ticket_type_id, customer_id) where status in ('waiting', 'notified') do nothing
    returning *
  )
  select i.n, i.n in (select n from duplicate) as duplicate, exists (select 1 from known k where k.n = i.n) as customer_known,
    ${PLACE_COLUMNS('e')}, e.*
  from input i left join entry e on e.id = i.id`;

/** A batch row: the entry's columns are null where nothing was inserted. */
type BatchWritten = {
  n: number;
  duplicate: boolean;
  customer_known: boolean;
  waiting_before: number;
  behind: number;
} & (WaitlistEntryRow | { id: null });

/**
 * Joins gathered from concurrent requests, in two statements whatever their number: the checks
 * with new ids, the write, and nothing more unless a place needs a long count. A join that cannot
 * be told apart from another in the same batch (the same customer twice) is left to run alone.
 * Throws when a concurrent join took a place this batch counted on: the caller then runs each
 * join alone.
 */
export async function joinWaitlistBatch(tx: Tx, tenantId: string, inputs: BatchJoin[]): Promise<BatchJoinOutcome[]> {
  const connection = await connectionOf(tx);
  const pairs = [...new Map(inputs.map((j) => [`${j.eventId}:${j.ticketTypeId}`, j])).values()];
  const contexts = await prepared<
    Omit<JoinContext, 'id'> & { event_id: number; ticket_type_id: number; ids: string[] }
  >(connection, 'usher_waitlist_join_batch_context', JOIN_BATCH_CONTEXT, [
    pairs.map((j) => j.eventId),
    pairs.map((j) => j.ticketTypeId),
    inputs.length,
  ]);
  const contextOf = new Map(contexts.map((c) => [`${c.event_id}:${c.ticket_type_id}`, c]));
  const ids = (contexts[0]?.ids ?? []).map(Number);

  const outcomes: BatchJoinOutcome[] = inputs.map(() => undefined);
  const seen = new Set<string>();
  const rows: { n: number; input: BatchJoin; id: number; priority: number }[] = [];
  inputs.forEach((input, n) => {
    const found = contextOf.get(`${input.eventId}:${input.ticketTypeId}`);
    const refusal = joinRefusal(found, input.ticketTypeId);
    if (refusal) {
      outcomes[n] = refusal;
      return;
    }
    // One statement cannot upsert a customer twice; a waitlist without settings is created alone.
    const who =
      'upsert' in input.customer
        ? `email:${input.customer.upsert.email}`
        : `id:${input.ticketTypeId}:${input.customer.id}`;
    if (!found?.mode || !found.seed || seen.has(who)) return;
    seen.add(who);
    rows.push({ n, input, id: ids[n], priority: queuePriority(found.mode, found.seed, ids[n]) });
  });
  if (!rows.length) return outcomes;

  const col = <T>(f: (r: (typeof rows)[number]) => T): T[] => rows.map(f);
  const upsert = (r: (typeof rows)[number]): CustomerInput | undefined =>
    'upsert' in r.input.customer ? r.input.customer.upsert : undefined;
  const written = await prepared<BatchWritten>(connection, 'usher_waitlist_join_batch', JOIN_BATCH_WRITE, [
    col((r) => r.n),
    col((r) => r.id),
    col((r) => r.input.eventId),
    col((r) => r.input.ticketTypeId),
    col((r) => ('id' in r.input.customer ? r.input.customer.id : null)),
    col((r) => upsert(r)?.email ?? null),
    col((r) => upsert(r)?.name ?? null),
    col((r) => upsert(r)?.phone ?? null),
    col((r) => upsert(r)?.external_ref ?? null),
    col((r) => r.input.quantity),
    col((r) => r.priority),
    col((r) => r.input.autoPurchase?.maxPriceMinor ?? null),
    col((r) => r.input.autoPurchase?.paymentMethod ?? null),
    tenantId,
  ]);

  const joined: { n: number; entry: WaitlistEntryRow; waitingBefore: number; behind: number }[] = [];
  for (const {
    n,
    duplicate,
    customer_known: customerKnown,
    waiting_before: waitingBefore,
    behind,
    ...row
  } of written) {
    const { customer } = inputs[n];
    if (duplicate) outcomes[n] = alreadyOnWaitlist();
    else if ('id' in customer && !customer.known && !customerKnown) outcomes[n] = unknownCustomer();
    else if (row.id === null) throw new Error('a concurrent join took the place of a join in this batch');
    else {
      const entry = row as WaitlistEntryRow;
      joined.push({ n, entry, waitingBefore, behind });
    }
  }
  // The statement saw neither its own entries nor their count: both are added here, per ticket type.
  for (const queue of groupBy(joined, (j) => j.entry.ticket_type_id).values()) {
    queue.sort((a, b) => a.entry.priority - b.entry.priority || a.entry.id - b.entry.id);
    for (const [k, w] of queue.entries()) {
      outcomes[w.n] = {
        entry: w.entry,
        place:
          w.behind < POSITION_SCAN_LIMIT
            ? placeFrom(w.waitingBefore + queue.length, w.behind + queue.length - 1 - k)
            : await entryPosition(tx, w.entry),
      };
    }
  }
  return outcomes;
}
