import { changeProration, monthlyPeriod, purchasePrice, shareOf, timeShare } from '../../domain/season/proration';
import { allows, coversEvent, packageProblem } from '../../domain/season/packages';
import { benefitsOf } from '../../domain/season/benefits';
import { seasonSettingsOf } from '../../domain/season/settings';

const d = (s: string): Date => new Date(s);

test('pro rata: events left over events total, rounded half up; flex and monthly are never pro-rated', () => {
  expect(shareOf(40000, { left: 2, total: 4 })).toBe(20000);
  expect(shareOf(10000, { left: 1, total: 3 })).toBe(3333);
  expect(shareOf(10000, { left: 2, total: 3 })).toBe(6667);
  expect(shareOf(5, { left: 1, total: 2 })).toBe(3);
  expect(shareOf(10000, { left: 0, total: 0 })).toBe(10000);
  const events = { left: 3, total: 12 };
  expect(purchasePrice({ type: 'full', billingCycle: 'annual', priceMinor: 12000, events })).toBe(3000);
  expect(purchasePrice({ type: 'vip', billingCycle: 'one-time', priceMinor: 12000, events })).toBe(3000);
  expect(purchasePrice({ type: 'flex', billingCycle: 'annual', priceMinor: 12000, events })).toBe(12000);
  expect(purchasePrice({ type: 'full', billingCycle: 'monthly', priceMinor: 1500, events })).toBe(1500);
  expect(
    purchasePrice({ type: 'full', billingCycle: 'annual', priceMinor: 12000, events: { left: 0, total: 5 } }),
  ).toBeNull();
});

test('upgrade and downgrade: credit the unused share of the old, charge the remaining share of the new', () => {
  const up = changeProration({
    oldPriceMinor: 40000,
    oldPaidMinor: 40000,
    oldUnused: { left: 5, total: 10 },
    newPriceMinor: 60000,
    newRemaining: { left: 5, total: 10 },
  });
  expect(up).toEqual({ creditMinor: 20000, chargeMinor: 30000, netMinor: 10000 });
  const down = changeProration({
    oldPriceMinor: 60000,
    oldPaidMinor: 60000,
    oldUnused: { left: 5, total: 10 },
    newPriceMinor: 40000,
    newRemaining: { left: 5, total: 10 },
  });
  expect(down.netMinor).toBe(-10000);
  // The credit never exceeds what was paid (a discounted or pro-rated purchase).
  const capped = changeProration({
    oldPriceMinor: 60000,
    oldPaidMinor: 10000,
    oldUnused: { left: 5, total: 10 },
    newPriceMinor: 40000,
    newRemaining: { left: 5, total: 10 },
  });
  expect(capped.creditMinor).toBe(10000);
});

test('monthly periods and time shares', () => {
  expect(monthlyPeriod(d('2026-01-31T00:00:00Z'), d('2026-03-15T00:00:00Z')).start.toISOString()).toBe(
    '2026-03-03T00:00:00.000Z',
  );
  const period = monthlyPeriod(d('2026-09-01T00:00:00Z'), d('2026-10-16T00:00:00Z'));
  expect([period.start.toISOString(), period.end.toISOString()]).toEqual([
    '2026-10-01T00:00:00.000Z',
    '2026-11-01T00:00:00.000Z',
  ]);
  const share = timeShare(period.start, period.end, d('2026-10-16T12:00:00Z'));
  expect(shareOf(3100, share)).toBe(1550);
});

test('scope: window, series tag, category; cancelled events never count', () => {
  const scope = {
    type: 'full' as const,
    series_tag: 'league',
    category: null,
    season_starts_at: d('2026-09-01T00:00:00Z'),
    season_ends_at: d('2027-06-01T00:00:00Z'),
  };
  const event = { starts_at: d('2026-10-01T18:00:00Z'), category: 'sports', tags: ['league'], status: 'on_sale' };
  expect(coversEvent(scope, event)).toBe(true);
  expect(coversEvent(scope, { ...event, tags: ['cup'] })).toBe(false);
  expect(coversEvent(scope, { ...event, status: 'cancelled' })).toBe(false);
  expect(coversEvent(scope, { ...event, starts_at: d('2027-06-01T00:00:00Z') })).toBe(false);
  expect(coversEvent({ ...scope, series_tag: null }, { ...event, tags: [] })).toBe(true);
  expect(coversEvent({ ...scope, type: 'category', category: 'sports' }, { ...event, tags: [] })).toBe(true);
  expect(coversEvent({ ...scope, type: 'category', category: 'opera' }, event)).toBe(false);
});

test('package rules, transitions, benefits and settings defaults', () => {
  const window = { season_starts_at: d('2026-09-01T00:00:00Z'), season_ends_at: d('2027-06-01T00:00:00Z') };
  expect(packageProblem({ type: 'flex', flex_credits: null, category: null, ...window })?.code).toBe(
    'flex_credits_required',
  );
  expect(packageProblem({ type: 'full', flex_credits: null, category: null, ...window })).toBeNull();
  expect([allows('pause', 'active'), allows('pause', 'paused'), allows('resume', 'paused')]).toEqual([
    true,
    false,
    true,
  ]);
  expect([allows('cancel', 'cancelled'), allows('expire', 'expired'), allows('change_package', 'paused')]).toEqual([
    false,
    false,
    false,
  ]);
  expect(benefitsOf({ discount_percent: 10 })).toEqual({ discount_percent: 10 });
  expect(benefitsOf({ discount_percent: 500 })).toEqual({});
  expect(seasonSettingsOf(undefined)).toMatchObject({
    renewal_reminder_days: [30, 7],
    dunning_retry_days: [1, 3, 7],
    grace_days: 14,
    unclaimed_release_hours: 48,
    release_warning_hours: 72,
    release_credit_percent: 100,
    exchange_fee_waived: true,
  });
  expect(seasonSettingsOf({ grace_days: 3 }).grace_days).toBe(3);
});
