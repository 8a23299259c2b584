export const PACKAGE_TYPES = ['full', 'flex', 'category', 'vip'] as const;
export const BILLING_CYCLES = ['annual', 'monthly', 'one-time'] as const;
export const SUBSCRIPTION_STATUSES = ['active', 'paused', 'cancelled', 'expired'] as const;
export type PackageType = (typeof PACKAGE_TYPES)[number];
export type BillingCycle = (typeof BILLING_CYCLES)[number];
export type SubscriptionStatus = (typeof SUBSCRIPTION_STATUSES)[number];

/** What decides which events a package covers. */
export interface PackageScope {
  type: PackageType;
  series_tag: string | null;
  category: string | null;
  season_starts_at: Date;
  season_ends_at: Date;
}

export interface ScopedEvent {
  starts_at: Date;
  category: string | null;
  tags: string[];
  status: string;
}

/**
 * Whether a package covers an event: it starts within the season window, is not cancelled, and matches the
 * package's scope: full, VIP and flex packages the events tagged `series_tag` (every event of the window when
 * it is unset), category packages the events of that category. Events added later are covered alike.
 */
export function coversEvent(scope: PackageScope, event: ScopedEvent): boolean {
  if (event.status === 'cancelled') return false;
  if (event.starts_at < scope.season_starts_at || event.starts_at >= scope.season_ends_at) return false;
  if (scope.type === 'category') return event.category === scope.category;
  return scope.series_tag === null || event.tags.includes(scope.series_tag);
}

/** Why a package definition is inconsistent, or null: the rules the table's checks enforce, answered as 422. */
export function packageProblem(p: {
  type: PackageType;
  flex_credits: number | null;
  category: string | null;
  season_starts_at: Date;
  season_ends_at: Date;
}): { code: string; message: string } | null {
  if (p.season_ends_at <= p.season_starts_at)
    return { code: 'invalid_season_window', message: 'season_ends_at must be after season_starts_at' };
  if (p.type === 'flex' && !p.flex_credits)
    return { code: 'flex_credits_required', message: 'A flex package needs flex_credits' };
  if (p.type !== 'flex' && p.flex_credits !== null)
    return { code: 'flex_credits_not_allowed', message: 'Only flex packages carry flex_credits' };
  if (p.type === 'category' && !p.category)
    return { code: 'category_required', message: 'A category package needs a category' };
  return null;
}

export type SubscriptionAction = 'pause' | 'resume' | 'cancel' | 'expire' | 'change_package' | 'record_payment';

/** Which statuses each action starts from; anything else is refused with 409 `illegal_transition`. */
const FROM: Record<SubscriptionAction, readonly SubscriptionStatus[]> = {
  pause: ['active'],
  resume: ['paused'],
  cancel: ['active', 'paused'],
  expire: ['active', 'paused'],
  change_package: ['active'],
  record_payment: ['active', 'paused'],
};

export function allows(action: SubscriptionAction, status: SubscriptionStatus): boolean {
  return FROM[action].includes(status);
}
