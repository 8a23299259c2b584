import type { Knex } from 'knex';
import { enableTenantIsolation } from './rls';

/**
 * Analytics: raw storefront tracking in monthly range partitions, and the rollups every dashboard
 * read comes from. Rollups are plain tables upserted incrementally: tracking rollups in the ingest
 * statement, sales rollups by the outbox triggers from each order's re-derived contribution
 * (`analytics_order_lines`), so a rollup always equals the sum of its orders' current lines.
 *
 * Scaling out: every table leads with `tenant_id`, so on Citus each is distributed by `tenant_id`
 * (co-located; `analytics_marketing_spend` too) and the ingest statement and trigger upserts stay
 * single-shard. The raw table's partitions are time ranges under each shard, dropped whole.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    -- The key includes occurred_at because a partitioned table's unique keys must contain the
    -- partition key: a client event id is unique per tenant *and instant*. Clients send an event's
    -- own id and time together, so a retried batch carries both unchanged and is a duplicate; the
    -- same id re-sent with another time would be a second row (documented on the route).
    create table analytics_tracking_events (
      tenant_id text not null,
      client_event_id text not null,
      type text not null check (type in ('page_view', 'event_view', 'add_to_cart', 'checkout_started')),
      anonymous_id text,
      customer_id bigint,
      event_id bigint,
      ticket_type_id bigint,
      channel text not null,
      utm_source text,
      utm_medium text,
      utm_campaign text,
      referrer text,
      country char(2),
      price_minor integer,
      occurred_at timestamptz not null,
      received_at timestamptz not null default now(),
      primary key (tenant_id, client_event_id, occurred_at)
    ) partition by range (occurred_at);

    -- Creates the monthly partitions covering [p_from, p_to]; runs as the owner (the application
    -- role may not create tables), called by ingestion for months it has not seen and by maintenance.
    create function analytics_ensure_partitions(p_from timestamptz, p_to timestamptz)
      returns integer language plpgsql security definer set search_path = public as $$
    declare
      m timestamptz := date_trunc('month', p_from at time zone 'UTC') at time zone 'UTC';
      made integer := 0;
      name text;
    begin
      while m <= p_to loop
        name := 'analytics_tracking_events_' || to_char(m at time zone 'UTC', 'YYYYMM');
        if to_regclass(name) is null then
          begin
            execute format('create table %I partition of analytics_tracking_events for values from (%L) to (%L)',
              name, m, (m at time zone 'UTC' + interval '1 month') at time zone 'UTC');
            -- Queries go through the parent, whose policy applies; the partition gets its own anyway,
            -- so reading it directly shows no other tenant's rows either.
            execute format('alter table %I enable row level security', name);
            execute format($p$create policy tenant_isolation on %I
              using (tenant_id = current_setting('app.tenant_id', true))
              with check (tenant_id = current_setting('app.tenant_id', true))$p$, name);
            made := made + 1;
          exception when duplicate_table then null; -- another session made it first
          end;
        end if;
        m := (m at time zone 'UTC' + interval '1 month') at time zone 'UTC';
      end loop;
      return made;
    end $$;

    -- Drops whole partitions that end before p_before (the longest retention any tenant may set).
    create function analytics_drop_partitions_before(p_before timestamptz)
      returns integer language plpgsql security definer set search_path = public as $$
    declare
      r record;
      dropped integer := 0;
    begin
      for r in
        select c.relname, to_timestamp(substring(c.relname from '(\\d{6})$'), 'YYYYMM') as starts
        from pg_inherits i join pg_class c on c.oid = i.inhrelid
        where i.inhparent = 'analytics_tracking_events'::regclass
      loop
        if (r.starts at time zone 'UTC' + interval '1 month') at time zone 'UTC' <= p_before then
          execute format('drop table %I', r.relname);
          dropped := dropped + 1;
        end if;
      end loop;
      return dropped;
    end $$;

    select analytics_ensure_partitions(now() - interval '13 months', now() + interval '3 months');

    -- Distinct visitors per funnel step, day, event and marketing channel: what makes the funnel's
    -- counts distinct. Pruned with the raw events.
    create table analytics_funnel_visitors (
      tenant_id text not null,
      event_id bigint not null,
      channel text not null,
      day date not null,
      step smallint not null check (step between 1 and 3),
      visitor text not null,
      primary key (tenant_id, event_id, channel, day, step, visitor)
    );

    -- event_id 0: views not about one event (a home page). Purchases are orders (each order counts).
    create table analytics_funnel_daily (
      tenant_id text not null,
      event_id bigint not null,
      channel text not null,
      day date not null,
      views integer not null default 0,
      carts integer not null default 0,
      checkouts integer not null default 0,
      purchases integer not null default 0,
      primary key (tenant_id, event_id, channel, day)
    );
    create index analytics_funnel_daily_day on analytics_funnel_daily (tenant_id, day);

    -- Views and carts by price point, for price sensitivity (purchases come from the sales rollup).
    create table analytics_price_points (
      tenant_id text not null,
      event_id bigint not null,
      price_minor integer not null,
      views integer not null default 0,
      carts integer not null default 0,
      primary key (tenant_id, event_id, price_minor)
    );

    -- Marketing touches, compact: one row per visitor, channel and day (visitor c:<customer> or a:<anonymous>).
    create table analytics_touches (
      tenant_id text not null,
      visitor text not null,
      day date not null,
      channel text not null,
      first_at timestamptz not null,
      primary key (tenant_id, visitor, day, channel)
    );

    -- Anonymous ids seen together with a customer id: their earlier touches count for that customer.
    create table analytics_identities (
      tenant_id text not null,
      customer_id bigint not null,
      anonymous_id text not null,
      primary key (tenant_id, customer_id, anonymous_id)
    );

    -- Each paid order's contribution to analytics_sales_hourly, per ticket type, as last derived from
    -- the source rows. A trigger re-derives an order and applies the difference, so re-running or
    -- reordering triggers never double counts. Orders count once, on their first ticket type's line.
    create table analytics_order_lines (
      tenant_id text not null,
      order_id bigint not null,
      ticket_type_id bigint not null,
      customer_id bigint not null,
      event_id bigint not null,
      channel text not null,
      currency char(3) not null,
      hour timestamptz not null,
      orders integer not null,
      tickets integer not null,
      revenue_minor bigint not null,
      refunds_minor bigint not null,
      refunded_tickets integer not null,
      cancelled_tickets integer not null,
      new_customers integer not null,
      returning_customers integer not null,
      promo_orders integer not null,
      promo_code text,
      primary key (tenant_id, order_id, ticket_type_id)
    );
    create index analytics_order_lines_customer on analytics_order_lines (tenant_id, customer_id) where new_customers > 0;

    -- Sales per tenant, event, ticket type, sales channel, currency and hour of payment. Refunds and
    -- cancellations are counted against the hour the order was paid (a sale's later fate), so the
    -- net revenue of a date range is that of the orders sold in it.
    create table analytics_sales_hourly (
      tenant_id text not null,
      event_id bigint not null,
      ticket_type_id bigint not null,
      channel text not null,
      currency char(3) not null,
      hour timestamptz not null,
      orders integer not null default 0,
      tickets integer not null default 0,
      revenue_minor bigint not null default 0,
      refunds_minor bigint not null default 0,
      refunded_tickets integer not null default 0,
      cancelled_tickets integer not null default 0,
      new_customers integer not null default 0,
      returning_customers integer not null default 0,
      promo_orders integer not null default 0,
      primary key (tenant_id, event_id, ticket_type_id, channel, currency, hour)
    );
    create index analytics_sales_hourly_hour on analytics_sales_hourly (tenant_id, hour);

    -- The same per tenant, sales channel, currency and UTC day, across events: what the whole-tenant
    -- dashboard (no event filter) reads, a few thousand rows where the hourly table holds millions.
    create table analytics_sales_daily (
      tenant_id text not null,
      channel text not null,
      currency char(3) not null,
      day date not null,
      orders integer not null default 0,
      tickets integer not null default 0,
      revenue_minor bigint not null default 0,
      refunds_minor bigint not null default 0,
      refunded_tickets integer not null default 0,
      cancelled_tickets integer not null default 0,
      new_customers integer not null default 0,
      returning_customers integer not null default 0,
      promo_orders integer not null default 0,
      primary key (tenant_id, day, channel, currency)
    );

    -- Promo code use, per event and day of payment (from orders.promo_code).
    create table analytics_promo_daily (
      tenant_id text not null,
      event_id bigint not null,
      promo_code text not null,
      currency char(3) not null,
      day date not null,
      orders integer not null default 0,
      tickets integer not null default 0,
      revenue_minor bigint not null default 0,
      primary key (tenant_id, event_id, promo_code, currency, day)
    );

    -- Each order's marketing attribution, decided once when its order.created is handled, from the
    -- touches known then (inside the attribution window).
    create table analytics_order_attribution (
      tenant_id text not null,
      order_id bigint not null,
      event_id bigint not null,
      day date not null,
      currency char(3) not null,
      revenue_minor bigint not null,
      first_channel text not null,
      last_channel text not null,
      channels text[] not null,
      primary key (tenant_id, order_id)
    );

    -- Attributed orders and revenue per marketing channel and day, under each model.
    create table analytics_attribution_daily (
      tenant_id text not null,
      event_id bigint not null,
      channel text not null,
      currency char(3) not null,
      day date not null,
      first_orders integer not null default 0,
      first_revenue_minor bigint not null default 0,
      last_orders integer not null default 0,
      last_revenue_minor bigint not null default 0,
      linear_orders double precision not null default 0,
      linear_revenue_minor double precision not null default 0,
      -- first purchases among the orders whose last touch was this channel: CAC's denominator
      new_customers integer not null default 0,
      primary key (tenant_id, event_id, channel, currency, day)
    );

    -- Months in which a customer bought: cohorts (first month) and retention.
    create table analytics_customer_months (
      tenant_id text not null,
      customer_id bigint not null,
      month date not null,
      primary key (tenant_id, customer_id, month)
    );
    create index analytics_customer_months_month on analytics_customer_months (tenant_id, month);

    create table analytics_marketing_spend (
      tenant_id text not null references tenants(id),
      channel text not null,
      month date not null check (extract(day from month) = 1),
      amount_minor bigint not null check (amount_minor >= 0),
      currency char(3) not null,
      updated_at timestamptz not null default now(),
      primary key (tenant_id, channel, month)
    );

    -- Publishable, write-only tracking tokens for the pixel: the token is signed, this row makes it revocable.
    create table analytics_site_tokens (
      id bigint generated always as identity primary key,
      tenant_id text not null references tenants(id),
      name text not null,
      created_at timestamptz not null default now(),
      revoked_at timestamptz
    );
  `);
  for (const table of [
    'analytics_tracking_events',
    'analytics_funnel_visitors',
    'analytics_funnel_daily',
    'analytics_price_points',
    'analytics_touches',
    'analytics_identities',
    'analytics_order_lines',
    'analytics_sales_hourly',
    'analytics_sales_daily',
    'analytics_promo_daily',
    'analytics_order_attribution',
    'analytics_attribution_daily',
    'analytics_customer_months',
    'analytics_marketing_spend',
    'analytics_site_tokens',
  ])
    await enableTenantIsolation(knex, table);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    drop table if exists analytics_site_tokens, analytics_marketing_spend, analytics_customer_months,
      analytics_attribution_daily, analytics_order_attribution, analytics_promo_daily, analytics_sales_hourly,
      analytics_sales_daily, analytics_order_lines, analytics_identities, analytics_touches, analytics_price_points,
      analytics_funnel_daily, analytics_funnel_visitors, analytics_tracking_events cascade;
    drop function if exists analytics_ensure_partitions(timestamptz, timestamptz);
    drop function if exists analytics_drop_partitions_before(timestamptz);
  `);
}
