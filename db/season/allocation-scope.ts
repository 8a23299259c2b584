/**
 * Which events a season package covers, as SQL over a package aliased `p` and an event aliased `e`
 * (the rule of migration 0024 and `eventsInScope`): events starting inside the season window;
 * category packages only events of their category, the others only events carrying their series
 * tag when they have one.
 */
export const PACKAGE_COVERS_EVENT = `(
  e.starts_at >= p.season_starts_at and e.starts_at < p.season_ends_at
  and case p.type
    when 'category' then e.category = p.category
    else p.series_tag is null or p.series_tag = any(e.tags)
  end
)`;

/** Packages whose members get a seat at every event they cover (flex members redeem credits instead). */
export const SEAT_PACKAGE_TYPES = ['full', 'category', 'vip'] as const;

/** Events that still take allocations: not over, not cancelled. */
export const OPEN_EVENT_STATUSES = ['draft', 'on_sale', 'sold_out'] as const;
