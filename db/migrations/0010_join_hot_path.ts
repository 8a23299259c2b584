import type { Knex } from 'knex';
import { enableTenantIsolation } from './rls';

/** The most counter rows a ticket type's waiting count is spread over. */
const STRIPES = 64;

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    -- How many entries wait per ticket type, so a place in line is the total minus the entries
    -- behind it instead of a count over the whole queue. The rows change in the same
    -- transactions as the entries, so the sum of a type's rows is exact in every snapshot.
    create table waitlist_counts (
      ticket_type_id bigint not null references ticket_types(id),
      stripe smallint not null check (stripe >= 0 and stripe < ${STRIPES}),
      tenant_id text not null references tenants(id),
      waiting integer not null,
      primary key (ticket_type_id, stripe)
    );

    -- Kept by triggers, so no code path that moves an entry in or out of 'waiting' can forget it.
    -- A trigger with transition tables fires on one event and sees only that event's tables.
    create function usher_waitlist_count() returns trigger language plpgsql as $$
    declare
      types bigint[]; tenants text[]; deltas integer[];
    begin
      if tg_op = 'INSERT' then
        select array_agg(ticket_type_id order by ticket_type_id), array_agg(tenant_id order by ticket_type_id), array_agg(n order by ticket_type_id)
        into types, tenants, deltas
        from (select ticket_type_id, tenant_id, count(*)::int as n from new_rows where status = 'waiting' group by 1, 2) d;
      elsif tg_op = 'DELETE' then
        select array_agg(ticket_type_id order by ticket_type_id), array_agg(tenant_id order by ticket_type_id), array_agg(n order by ticket_type_id)
        into types, tenants, deltas
        from (select ticket_type_id, tenant_id, -count(*)::int as n from old_rows where status = 'waiting' group by 1, 2) d;
      else
        select array_agg(ticket_type_id order by ticket_type_id), array_agg(tenant_id order by ticket_type_id), array_agg(n order by ticket_type_id)
        into types, tenants, deltas
        from (
          select ticket_type_id, tenant_id, sum(delta)::int as n from (
            select ticket_type_id, tenant_id, 1 as delta from new_rows where status = 'waiting'
            union all
            select ticket_type_id, tenant_id, -1 from old_rows where status = 'waiting'
          ) changes group by 1, 2 having sum(delta) <> 0
        ) d;
      end if;
      for i in 1 .. coalesce(array_length(types, 1), 0) loop
        -- Any row of the type that no other transaction holds will do: concurrent joins never
        -- queue behind each other's commits while there are free rows.
        update waitlist_counts c set waiting = c.waiting + deltas[i]
        where c.ticket_type_id = types[i] and c.stripe = (
          select s.stripe from waitlist_counts s where s.ticket_type_id = types[i] limit 1 for update skip locked);
        if not found then
          insert into waitlist_counts as c (ticket_type_id, stripe, tenant_id, waiting)
          values (types[i], pg_backend_pid() % ${STRIPES}, tenants[i], deltas[i])
          on conflict (ticket_type_id, stripe) do update set waiting = c.waiting + excluded.waiting;
        end if;
      end loop;
      return null;
    end $$;

    create trigger waitlist_count_insert after insert on waitlist_entries
      referencing new table as new_rows for each statement execute function usher_waitlist_count();
    create trigger waitlist_count_update after update on waitlist_entries
      referencing old table as old_rows new table as new_rows for each statement execute function usher_waitlist_count();
    create trigger waitlist_count_delete after delete on waitlist_entries
      referencing old table as old_rows for each statement execute function usher_waitlist_count();

    insert into waitlist_counts (ticket_type_id, stripe, tenant_id, waiting)
    select ticket_type_id, 0, tenant_id, count(*) from waitlist_entries where status = 'waiting' group by 1, 3;
  `);
  await enableTenantIsolation(knex, 'waitlist_counts');

  await knex.raw(`
    -- The API authenticates inside the request's transaction (one round trip for the key and the
    -- tenant setting), so the once-a-minute touch of last_used_at skips a key row another request
    -- holds instead of waiting for that request to commit.
    create or replace function usher_authenticate_key(p_hash text)
      returns table (key_id bigint, tenant_id text, scopes text[])
      language plpgsql security definer set search_path = public as $$
    begin
      update api_keys k set last_used_at = now()
        where k.id = (select a.id from api_keys a
          where a.key_hash = p_hash and a.revoked_at is null
            and (a.last_used_at is null or a.last_used_at < now() - interval '1 minute')
          for update skip locked);
      return query select k.id, k.tenant_id, k.scopes from api_keys k
        where k.key_hash = p_hash and k.revoked_at is null;
    end $$;

    -- The dispatcher runs rows about different entities concurrently and needs to know which.
    drop function usher_due_outbox(integer);
    create function usher_due_outbox(p_limit integer)
      returns table (id bigint, tenant_id text, aggregate_type text, aggregate_id text)
      language sql stable security definer set search_path = public as $$
        select o.id, o.tenant_id, o.aggregate_type, o.aggregate_id from outbox o
        where o.dispatched_at is null and o.next_attempt_at <= now()
        order by o.id limit p_limit
    $$;
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    drop function usher_due_outbox(integer);
    create function usher_due_outbox(p_limit integer)
      returns table (id bigint, tenant_id text)
      language sql stable security definer set search_path = public as $$
        select o.id, o.tenant_id from outbox o
        where o.dispatched_at is null and o.next_attempt_at <= now()
        order by o.id limit p_limit
    $$;
    create or replace function usher_authenticate_key(p_hash text)
      returns table (key_id bigint, tenant_id text, scopes text[])
      language plpgsql security definer set search_path = public as $$
    begin
      update api_keys k set last_used_at = now()
        where k.key_hash = p_hash and k.revoked_at is null
          and (k.last_used_at is null or k.last_used_at < now() - interval '1 minute');
      return query select k.id, k.tenant_id, k.scopes from api_keys k
        where k.key_hash = p_hash and k.revoked_at is null;
    end $$;
    drop trigger if exists waitlist_count_insert on waitlist_entries;
    drop trigger if exists waitlist_count_update on waitlist_entries;
    drop trigger if exists waitlist_count_delete on waitlist_entries;
    drop function if exists usher_waitlist_count();
    drop table if exists waitlist_counts;
  `);
}
