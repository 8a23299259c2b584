import type { Tx } from '../connection';
import { emit } from '../platform/outbox';
import { crmSettings, messagesQueued } from './messages';

export type CampaignStatus = 'draft' | 'scheduled' | 'testing' | 'sending' | 'sent' | 'cancelled';
export type WinnerMetric = 'click_rate' | 'conversion_rate';
export type VariantKey = 'A' | 'B' | 'C' | 'D';

export interface CampaignVariantRow {
  key: VariantKey;
  subject: string | null;
  template_id: number;
}

export interface CampaignRow {
  id: number;
  tenant_id: string;
  name: string;
  segment_id: number;
  status: CampaignStatus;
  test_share_pct: number;
  winner_metric: WinnerMetric;
  test_wait_s: number;
  winner_variant: VariantKey | null;
  winner_manual: boolean;
  winner_p_value: number | null;
  send_time_optimised: boolean;
  spread_s: number;
  attribution_days: number;
  scheduled_at: Date | null;
  started_at: Date | null;
  completed_at: Date | null;
  workflow_id: string | null;
  created_at: Date;
  updated_at: Date;
  variants: CampaignVariantRow[];
}

export interface CampaignInput {
  name: string;
  segment_id: number;
  variants: { key: VariantKey; subject?: string | null; template_id: number }[];
  test_share_pct?: number;
  winner_metric?: WinnerMetric;
  test_wait_s?: number;
  send_time_optimised?: boolean;
  spread_s?: number;
  attribution_days?: number;
  scheduled_at?: string | null;
}

const CAMPAIGN_COLUMNS = [
  'id',
  'tenant_id',
  'name',
  'segment_id',
  'status',
  'test_share_pct',
  'winner_metric',
  'test_wait_s',
  'winner_variant',
  'winner_manual',
  'winner_p_value',
  'send_time_optimised',
  'spread_s',
  'attribution_days',
  'scheduled_at',
  'started_at',
  'completed_at',
  'workflow_id',
  'created_at',
  'updated_at',
];

async function withVariants(tx: Tx, rows: Omit<CampaignRow, 'variants'>[]): Promise<CampaignRow[]> {
  if (!rows.length) return [];
  const variants = (await tx('campaign_variants')
    .whereIn(
      'campaign_id',
      rows.map((r) => r.id),
    )
    .orderBy(['campaign_id', 'key'])
    .select('campaign_id', 'key', 'subject', 'template_id')) as (CampaignVariantRow & { campaign_id: number })[];
  return rows.map((r) => ({
    ...r,
    test_share_pct: Number(r.test_share_pct),
    variants: variants
      .filter((v) => v.campaign_id === r.id)
      .map(({ key, subject, template_id }) => ({ key, subject, template_id })),
  }));
}

/** Whether every id names a live template of the tenant. */
export async function templatesExist(tx: Tx, ids: number[]): Promise<boolean> {
  const unique = [...new Set(ids)];
  const found = await tx('email_templates').whereIn('id', unique).whereNull('deleted_at').pluck('id');
  return found.length === unique.length;
}

export async function segmentExists(tx: Tx, id: number): Promise<boolean> {
  return Boolean(await tx('customer_segments').where({ id }).first('id'));
}

export async function createCampaign(tx: Tx, tenantId: string, input: CampaignInput): Promise<CampaignRow> {
  const { variants, ...fields } = input;
  const [row] = (await tx('campaigns')
    .insert({ tenant_id: tenantId, ...fields, status: fields.scheduled_at ? 'scheduled' : 'draft' })
    .returning(CAMPAIGN_COLUMNS)) as Omit<CampaignRow, 'variants'>[];
  await tx('campaign_variants').insert(
    variants.map((v) => ({
      tenant_id: tenantId,
      campaign_id: row.id,
      key: v.key,
      subject: v.subject ?? null,
      template_id: v.template_id,
    })),
  );
  return (await getCampaign(tx, row.id)) as CampaignRow;
}

export async function getCampaign(
  tx: Tx,
  id: number,
  opts: { forUpdate?: boolean } = {},
): Promise<CampaignRow | undefined> {
  const q = tx('campaigns').where({ id }).first(CAMPAIGN_COLUMNS);
  if (opts.forUpdate) q.forUpdate();
  const row = (await q) as Omit<CampaignRow, 'variants'> | undefined;
  return row && (await withVariants(tx, [row]))[0];
}

export async function listCampaigns(tx: Tx, limit: number, after?: number): Promise<CampaignRow[]> {
  const q = tx('campaigns').orderBy('id').limit(limit).select(CAMPAIGN_COLUMNS);
  if (after) q.where('id', '>', after);
  return withVariants(tx, (await q) as Omit<CampaignRow, 'variants'>[]);
}

export async function updateCampaign(
  tx: Tx,
  tenantId: string,
  id: number,
  patch: Partial<CampaignInput>,
): Promise<CampaignRow | undefined> {
  const { variants, ...fields } = patch;
  if (Object.keys(fields).length)
    await tx('campaigns')
      .where({ id })
      .update({ ...fields, updated_at: tx.fn.now() });
  if (variants) {
    await tx('campaign_variants').where({ campaign_id: id }).delete();
    await tx('campaign_variants').insert(
      variants.map((v) => ({
        tenant_id: tenantId,
        campaign_id: id,
        key: v.key,
        subject: v.subject ?? null,
        template_id: v.template_id,
      })),
    );
  }
  return getCampaign(tx, id);
}

export async function setCampaignState(
  tx: Tx,
  id: number,
  patch: Partial<
    Pick<
      CampaignRow,
      'status' | 'winner_variant' | 'winner_manual' | 'winner_p_value' | 'started_at' | 'completed_at' | 'workflow_id'
    >
  >,
): Promise<void> {
  await tx('campaigns')
    .where({ id })
    .update({ ...patch, updated_at: tx.fn.now() });
}

/**
 * The SQL condition (over `c` customers, `m` crm_messages) naming why a queued campaign message must
 * not be sent; null when it may. The same rules as `queueMessage`, set-based for a whole audience.
 */
const SUPPRESS_REASON = `
  case
    when c.erased_at is not null then 'erased'
    when not c.marketing_consent then 'no_consent'
    when s.reason is not null then s.reason
    when (select count(*) from crm_messages r where r.customer_id = m.customer_id and r.id <> m.id
            and r.status in ('queued', 'sending', 'sent')
            and coalesce(r.sent_at, r.send_after) > now() - interval '7 days') >= ? then 'frequency_cap'
  end`;

/**
 * Snapshots the campaign's audience (current segment members) into `crm_messages`, once: the
 * dedupe key `campaign:{id}:{customer}` and the unique (campaign, address) index make a retry, or a
 * second customer with the same address, add nothing. With variants, a random `test_share_pct` of
 * the audience is split evenly across them; the rest wait (`pending`) for the winner.
 */
export async function snapshotAudience(tx: Tx, tenantId: string, campaign: CampaignRow): Promise<number> {
  const keys = campaign.variants.map((v) => v.key);
  const ab = keys.length > 1;
  const first = campaign.variants[0];
  const { rows } = await tx.raw<{ rows: { n: number }[] }>(
    `with audience as (
       select c.id as customer_id, lower(c.email) as email,
              row_number() over (order by random()) as rn, count(*) over () as total
         from customer_segment_members sm
         join customers c on c.id = sm.customer_id
        where sm.segment_id = ? and sm.removed_at is null
     ), placed as (
       select a.*, case when ? and a.rn <= ceil(a.total * ?::numeric / 100)
                        then (?::text[])[((a.rn - 1) % ?) + 1]
                        when ? then null
                        else ? end as variant
         from audience a
     ), ins as (
       insert into crm_messages (tenant_id, customer_id, to_address, campaign_id, variant, template_id, subject,
                                 dedupe_key, status)
       select ?, p.customer_id, p.email, ?, p.variant, coalesce(v.template_id, ?), v.subject,
              'campaign:' || ? || ':' || p.customer_id, case when p.variant is null then 'pending' else 'queued' end
         from placed p left join campaign_variants v on v.campaign_id = ? and v.key = p.variant
        order by p.rn
       on conflict do nothing
       returning 1
     )
     select count(*)::int as n from ins`,
    [
      campaign.segment_id,
      ab,
      campaign.test_share_pct,
      keys,
      keys.length,
      ab,
      first.key,
      tenantId,
      campaign.id,
      first.template_id,
      campaign.id,
      campaign.id,
    ],
  );
  return rows[0]?.n ?? 0;
}

/**
 * Suppresses the campaign's queued messages that must not go out and announces the rest to the
 * sender, grouped by `send_after`; returns how many were announced.
 */
export async function releaseQueued(tx: Tx, tenantId: string, campaignId: number): Promise<number> {
  const { frequency_cap_per_week: cap } = await crmSettings(tx);
  // Locked first, so a concurrent release (an activity retried while the first still runs) waits.
  await tx.raw(`select id from crm_messages where campaign_id = ? and status = 'queued' and attempts = 0 for update`, [
    campaignId,
  ]);
  await tx.raw(
    `update crm_messages m set status = 'suppressed', suppress_reason = x.reason
       from (select m.id, ${SUPPRESS_REASON} as reason
               from crm_messages m
               join customers c on c.id = m.customer_id
               left join email_suppressions s on s.email = m.to_address
              where m.campaign_id = ? and m.status = 'queued' and m.attempts = 0) x
      where m.id = x.id and x.reason is not null`,
    [cap, campaignId],
  );
  // A retried release announces the same messages again: harmless, the sender claims each once.
  const rows = (await tx('crm_messages')
    .where({ campaign_id: campaignId, status: 'queued', attempts: 0 })
    .select('id', 'send_after')) as { id: number; send_after: Date }[];
  // Minute buckets: send-time-optimised messages share an event per minute, due when its last one is.
  const groups = new Map<number, { ids: number[]; due: number }>();
  for (const r of rows.sort((a, b) => a.id - b.id)) {
    const due = new Date(r.send_after).getTime();
    const key = Math.floor(due / 60_000);
    const group = groups.get(key) ?? { ids: [], due };
    group.ids.push(r.id);
    group.due = Math.max(group.due, due);
    groups.set(key, group);
  }
  for (const { ids, due } of groups.values())
    // Each event its own aggregate (its first message): the dispatcher sends different aggregates in parallel.
    await emit(tx, tenantId, messagesQueued(ids, new Date(due)));
  return rows.length;
}

/** Gives the audience waiting for an A/B winner the winning variant and queues it. */
export async function assignWinner(tx: Tx, campaignId: number, variant: CampaignVariantRow): Promise<number> {
  return tx('crm_messages')
    .where({ campaign_id: campaignId, status: 'pending' })
    .update({ variant: variant.key, template_id: variant.template_id, subject: variant.subject, status: 'queued' });
}

/** Sets `send_after` of the campaign's unsent messages per customer (send-time optimisation). */
export async function setSendTimes(tx: Tx, campaignId: number, times: Map<number, Date>): Promise<void> {
  if (!times.size) return;
  const customers = [...times.keys()];
  const at = customers.map((c) => (times.get(c) as Date).toISOString());
  await tx.raw(
    `update crm_messages m set send_after = v.at
       from unnest(?::bigint[], ?::timestamptz[]) as v(customer_id, at)
      where m.campaign_id = ? and m.customer_id = v.customer_id and m.status in ('queued', 'pending')`,
    [customers, at, campaignId],
  );
}

/** The campaign's recipients with their history of clicks and purchases (hours are computed in domain/). */
export async function engagementHistory(
  tx: Tx,
  campaignId: number,
): Promise<{ customer_id: number; timezone: string | null; at: Date[] }[]> {
  const { rows } = await tx.raw<{ rows: { customer_id: number; timezone: string | null; at: Date[] | null }[] }>(
    `select m.customer_id, to_jsonb(c) ->> 'timezone' as timezone,
            (select array_agg(t.at order by t.at desc) from (
               (select e.at from email_events e where e.customer_id = m.customer_id and e.kind = 'click'
                  and e.at > now() - interval '365 days' order by e.at desc limit 50)
               union all
               (select o.created_at from orders o where o.customer_id = m.customer_id and o.status = 'paid'
                  and o.created_at > now() - interval '365 days' order by o.created_at desc limit 50)) t) as at
       from crm_messages m join customers c on c.id = m.customer_id
      where m.campaign_id = ? and m.status in ('queued', 'pending')`,
    [campaignId],
  );
  return rows.map((r) => ({
    customer_id: r.customer_id,
    timezone: r.timezone,
    at: (r.at ?? []).map((d) => new Date(d)),
  }));
}

export interface VariantStats {
  variant: string;
  recipients: number;
  sent: number;
  delivered: number;
  failed: number;
  suppressed: number;
  pending: number;
  human_opens: number;
  machine_opens: number;
  unique_clicks: number;
  conversions: number;
  revenue_minor: number;
}

/**
 * Per variant: what was sent, opened (people and machines apart), clicked (unique recipients), and
 * converted: recipients with a paid order within `attribution_days` of their message being sent.
 */
export async function campaignStats(tx: Tx, campaignId: number, attributionDays: number): Promise<VariantStats[]> {
  const { rows } = await tx.raw<{ rows: VariantStats[] }>(
    `select coalesce(m.variant, '-') as variant,
            count(*)::int as recipients,
            count(*) filter (where m.status = 'sent')::int as sent,
            count(*) filter (where m.status = 'sent' and not exists (
              select 1 from email_events b where b.message_id = m.id and b.kind = 'bounce'))::int as delivered,
            count(*) filter (where m.status = 'failed')::int as failed,
            count(*) filter (where m.status = 'suppressed')::int as suppressed,
            count(*) filter (where m.status in ('pending', 'queued', 'sending'))::int as pending,
            count(*) filter (where exists (select 1 from email_events e where e.message_id = m.id
                                              and e.kind = 'open' and not e.machine))::int as human_opens,
            count(*) filter (where exists (select 1 from email_events e where e.message_id = m.id
                                              and e.kind = 'open' and e.machine))::int as machine_opens,
            count(*) filter (where exists (select 1 from email_events e where e.message_id = m.id
                                              and e.kind = 'click'))::int as unique_clicks,
            count(*) filter (where conv.n > 0)::int as conversions,
            coalesce(sum(conv.revenue), 0)::bigint as revenue_minor
       from crm_messages m
       left join lateral (
         select count(*) as n, sum(o.total_minor) as revenue from orders o
          where m.status = 'sent' and o.customer_id = m.customer_id and o.status = 'paid'
            and o.created_at >= m.sent_at and o.created_at < m.sent_at + make_interval(days => ?)
       ) conv on true
      where m.campaign_id = ?
      group by 1 order by 1`,
    [attributionDays, campaignId],
  );
  return rows.map((r) => ({ ...r, revenue_minor: Number(r.revenue_minor) }));
}

/** Messages of the campaign not yet settled (waiting for a winner, queued or being sent). */
export async function campaignOutstanding(tx: Tx, campaignId: number): Promise<{ pending: number; unsent: number }> {
  const row = (await tx('crm_messages')
    .where({ campaign_id: campaignId })
    .select(
      tx.raw(`count(*) filter (where status = 'pending')::int as pending`),
      tx.raw(`count(*) filter (where status in ('queued', 'sending'))::int as unsent`),
    )
    .first()) as { pending: number; unsent: number };
  return row;
}

/** Stops a campaign's unsent messages (cancel): they are recorded as suppressed, never sent. */
export async function cancelUnsent(tx: Tx, campaignId: number): Promise<number> {
  return tx('crm_messages')
    .where({ campaign_id: campaignId })
    .whereIn('status', ['pending', 'queued'])
    .update({ status: 'suppressed', suppress_reason: 'cancelled' });
}

export async function countCampaignMessages(tx: Tx, campaignId: number): Promise<number> {
  const row = (await tx('crm_messages').where({ campaign_id: campaignId }).count('* as n').first()) as { n: string };
  return Number(row.n);
}
