import type { Knex } from 'knex';
import { enableTenantIsolation } from './rls';

/**
 * Chat per stream: messages (replies point at their parent) kept for the replay, reactions, moderators'
 * sanctions (time-outs end, bans do not), each stream's chat state (slow mode, pinned message) and the viewer
 * count each realtime node last reported for a stream.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table stream_chat_messages (
      id bigint generated always as identity primary key,
      tenant_id text not null references tenants(id),
      stream_id bigint not null references streams(id),
      customer_id bigint references customers(id),
      author_name text not null,
      author_role text not null check (author_role in ('viewer', 'moderator')),
      body text not null check (length(body) between 1 and 500),
      reply_to_id bigint references stream_chat_messages(id),
      deleted_at timestamptz,
      created_at timestamptz not null default now(),
      check ((author_role = 'viewer') = (customer_id is not null))
    );
    create index stream_chat_messages_stream on stream_chat_messages (tenant_id, stream_id, id);
    -- Slow mode asks for a customer's last message in a stream.
    create index stream_chat_messages_author on stream_chat_messages (stream_id, customer_id, created_at desc)
      where customer_id is not null;

    create table stream_chat_reactions (
      tenant_id text not null references tenants(id),
      message_id bigint not null references stream_chat_messages(id),
      customer_id bigint not null references customers(id),
      emoji text not null check (length(emoji) between 1 and 16),
      created_at timestamptz not null default now(),
      primary key (message_id, customer_id, emoji)
    );

    create table stream_chat_sanctions (
      id bigint generated always as identity primary key,
      tenant_id text not null references tenants(id),
      stream_id bigint not null references streams(id),
      customer_id bigint not null references customers(id),
      kind text not null check (kind in ('timeout', 'ban')),
      ends_at timestamptz,
      reason text check (length(reason) <= 500),
      lifted_at timestamptz,
      created_at timestamptz not null default now(),
      check ((kind = 'timeout') = (ends_at is not null))
    );
    create index stream_chat_sanctions_customer on stream_chat_sanctions (tenant_id, stream_id, customer_id)
      where lifted_at is null;

    create table stream_chats (
      tenant_id text not null references tenants(id),
      stream_id bigint primary key references streams(id),
      slow_mode_seconds integer check (slow_mode_seconds between 1 and 120),
      pinned_message_id bigint references stream_chat_messages(id),
      updated_at timestamptz not null default now()
    );

    create table stream_chat_presence (
      tenant_id text not null references tenants(id),
      stream_id bigint not null references streams(id),
      node_id text not null,
      viewers integer not null check (viewers >= 0),
      reported_at timestamptz not null default now(),
      primary key (stream_id, node_id)
    );
  `);
  for (const table of [
    'stream_chat_messages',
    'stream_chat_reactions',
    'stream_chat_sanctions',
    'stream_chats',
    'stream_chat_presence',
  ])
    await enableTenantIsolation(knex, table);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    drop table if exists stream_chat_presence, stream_chats, stream_chat_sanctions, stream_chat_reactions,
      stream_chat_messages cascade;
  `);
}
