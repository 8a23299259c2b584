/** Marketing channels are slugs: lower-case letters, digits, _ and -. */
export const CHANNEL_PATTERN = /^[a-z0-9][a-z0-9_-]{0,39}$/;

/** How far back and ahead an item's own time may be: older than any retention, or from the future, is refused. */
export const MAX_RETENTION_DAYS = 3650;
export const MAX_CLOCK_SKEW_MS = 60 * 60_000;

const MEDIUM_CHANNELS: Record<string, string> = {
  email: 'email',
  newsletter: 'email',
  cpc: 'paid_search',
  ppc: 'paid_search',
  paid: 'paid_search',
  paidsearch: 'paid_search',
  social: 'social',
  'paid-social': 'social',
  paid_social: 'social',
  display: 'display',
  affiliate: 'affiliate',
  referral: 'referral',
  organic: 'organic_search',
};

const slug = (s: string): string =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '_')
    .replace(/^[^a-z0-9]+/, '')
    .slice(0, 40);

/**
 * The marketing channel of a touch: the storefront's own `channel` when given, else the UTM medium
 * (mapped to a handful of well-known channels, or kept as a slug), else `referral` when a referrer
 * is known, else `direct`.
 */
export function channelOf(input: {
  channel?: string | null;
  utm_medium?: string | null;
  referrer?: string | null;
}): string {
  if (input.channel) return input.channel;
  const medium = input.utm_medium ? slug(input.utm_medium) : '';
  if (medium) return MEDIUM_CHANNELS[medium] ?? medium;
  return input.referrer ? 'referral' : 'direct';
}

/** Whether an item's time is inside what is kept: not older than the longest retention, not in the future. */
export function occurredInRange(occurredAt: Date, now: Date): boolean {
  const t = occurredAt.getTime();
  return t >= now.getTime() - MAX_RETENTION_DAYS * 86_400_000 && t <= now.getTime() + MAX_CLOCK_SKEW_MS;
}
