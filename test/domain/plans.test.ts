import { buildInvoice, meterAmount, MODULES, rolloutBucket } from '../../domain/platform/plans';
import { endpointWants, signWebhook, verifyWebhook } from '../../domain/webhooks/signature';

describe('plans and meters', () => {
  it('prices per-unit and percentage meters', () => {
    expect(meterAmount('checkin.scan', 5000)).toBe(5000);
    expect(meterAmount('checkin.extra_device', 2)).toBe(1000);
    expect(meterAmount('resale.fee', 1, 10_000)).toBe(300);
    expect(meterAmount('refunds.processing', 1, 4550)).toBe(91);
    expect(meterAmount('streaming.revenue_share', 1, 2000)).toBe(200);
  });

  it('bills base fees for every subscribed module and waives check-in usage on enterprise', () => {
    const usage = [
      { meter: 'checkin.scan' as const, quantity: 5000, amountMinor: 5000 },
      { meter: 'resale.fee' as const, quantity: 2, amountMinor: 600 },
    ];
    expect(
      buildInvoice(
        [
          { module: 'checkin', plan: 'standard' },
          { module: 'waitlist', plan: 'standard' },
        ],
        usage,
      ).total_minor,
    ).toBe(1500 + 5000 + 1000 + 600);
    expect(buildInvoice([{ module: 'checkin', plan: 'enterprise' }], usage.slice(0, 1)).total_minor).toBe(10000);
    expect(
      buildInvoice(
        MODULES.map((module) => ({ module, plan: 'standard' as const })),
        [],
      ).total_minor,
    ).toBe(1500 + 800 + 1000 + 2500 + 1500 + 1200 + 3000 + 2000 + 1000 + 500 + 800 + 5000);
  });

  it('puts events into stable rollout buckets spread over 0-99, so raising a percentage only adds events', () => {
    const buckets = Array.from({ length: 2000 }, (_, i) => rolloutBucket('wallet', i + 1));
    expect(Math.min(...buckets)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...buckets)).toBeLessThan(100);
    const inAt30 = buckets.filter((b) => b < 30).length / buckets.length;
    expect(inAt30).toBeGreaterThan(0.25);
    expect(inAt30).toBeLessThan(0.35);
    expect(rolloutBucket('wallet', 42)).toBe(rolloutBucket('wallet', 42));
  });
});

describe('webhook signatures', () => {
  it('verify with the right secret and a fresh timestamp only', () => {
    const body = '{"type":"order.created"}';
    const header = signWebhook('whsec_a', body, 1_700_000_000);
    expect(verifyWebhook('whsec_a', body, header, 1_700_000_100)).toBe(true);
    expect(verifyWebhook('whsec_b', body, header, 1_700_000_100)).toBe(false);
    expect(verifyWebhook('whsec_a', `${body} `, header, 1_700_000_100)).toBe(false);
    expect(verifyWebhook('whsec_a', body, header, 1_700_000_000 + 301)).toBe(false);
    expect(verifyWebhook('whsec_a', body, 'garbage', 1_700_000_000)).toBe(false);
  });

  it('match exact types, prefixes and the wildcard', () => {
    expect(endpointWants(['order.*'], 'order.created')).toBe(true);
    expect(endpointWants(['order.*'], 'orders.created')).toBe(false);
    expect(endpointWants(['*'], 'event.ended')).toBe(true);
    expect(endpointWants(['event.ended'], 'event.created')).toBe(false);
  });
});
