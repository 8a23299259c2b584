import type { Tx } from '../connection';
import { PACKAGE_COVERS_EVENT } from './allocation-scope';

export interface SeasonOrderTerms {
  /** The customer is a member whose presale for this event is open now: ticket types not yet on sale admit them. */
  admitsEarly: boolean;
  /** A member presale is running for this event now: others are refused with 403 `presale_members_only`. */
  presaleRunning: boolean;
  /** The member discount on ticket prices, 0–100. */
  discountPercent: number;
  /**
   * The event carries a tag some active package reserves for its members (`member_only_event_tags`) and the
   * customer is a member of none of those packages: the order is refused with 403 `members_only_event`.
   */
  membersOnlyRefused: boolean;
}

const NO_TERMS: SeasonOrderTerms = {
  admitsEarly: false,
  presaleRunning: false,
  discountPercent: 0,
  membersOnlyRefused: false,
};

/**
 * A season member's benefits at order placement (presale access, discount), in one statement on
 * the order's hot path: the tenant's active packages (index `season_packages_active`) that cover
 * the event, each with whether the customer holds an active subscription of it. A package's
 * presale runs for `presale_hours` before the event's general sale, the earliest `sales_start_at`
 * of its ticket types; an event without one has no presale. The discount is the best of the
 * customer's covering packages. Member-only tags apply whatever a package covers: a tag names the
 * events its members alone may buy.
 */
export async function seasonOrderTerms(
  tx: Tx,
  tenantId: string,
  input: { customerId: number; eventId: number; now: Date },
): Promise<SeasonOrderTerms> {
  const { rows } = await tx.raw<{
    rows: { admits_early: boolean; presale_running: boolean; discount: number; members_only_refused: boolean }[];
  }>(
    `
    with e as (
      select ev.id, ev.starts_at, ev.category, ev.tags,
        (select min(t.sales_start_at) from ticket_types t where t.event_id = ev.id) as sale_start
      from events ev where ev.id = :eventId
    ),
    p as (
      select
        coalesce(case when jsonb_typeof(p.benefits -> 'presale_hours') = 'number'
          then (p.benefits ->> 'presale_hours')::numeric end, 0) as presale_hours,
        coalesce(case when jsonb_typeof(p.benefits -> 'discount_percent') = 'number'
          then (p.benefits ->> 'discount_percent')::numeric end, 0) as discount,
        exists (
          select 1 from season_subscriptions s
          where s.package_id = p.id and s.customer_id = :customerId and s.status = 'active'
        ) as member,
        e.sale_start
      from season_packages p join e on ${PACKAGE_COVERS_EVENT}
      where p.tenant_id = :tenantId and p.status = 'active' and p.season_ends_at > e.starts_at
    ),
    w as (
      select member, discount,
        presale_hours > 0 and sale_start is not null
          and :now >= sale_start - presale_hours * interval '1 hour' and :now < sale_start as presale_open
      from p
    )
    select coalesce(bool_or(member and presale_open), false) as admits_early,
           coalesce(bool_or(presale_open), false) as presale_running,
           coalesce(max(discount) filter (where member), 0)::float8 as discount,
           coalesce((
             select bool_and(not exists (
               select 1 from season_subscriptions s
               where s.package_id = mp.id and s.customer_id = :customerId and s.status = 'active'
             ))
             from season_packages mp, e
             where mp.tenant_id = :tenantId and mp.status = 'active'
               and jsonb_typeof(mp.benefits -> 'member_only_event_tags') = 'array'
               and e.tags && array(select jsonb_array_elements_text(mp.benefits -> 'member_only_event_tags'))
           ), false) as members_only_refused
    from w
    `,
    { eventId: input.eventId, customerId: input.customerId, tenantId, now: input.now },
  );
  const row = rows[0];
  if (!row) return NO_TERMS;
  return {
    admitsEarly: row.admits_early,
    presaleRunning: row.presale_running,
    discountPercent: Math.min(Math.max(row.discount, 0), 100),
    membersOnlyRefused: row.members_only_refused,
  };
}
