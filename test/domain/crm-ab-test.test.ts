import { chooseWinner, twoProportionPValue } from '../../domain/crm/ab-test';
import { bestHours, hourIn, sendTimes } from '../../domain/crm/send-time';

describe('A/B test', () => {
  it('computes the two-proportion z-test p-value (checked against a textbook value)', () => {
    // 200/1000 vs 250/1000: z = -2.68, two-sided p = 0.0074.
    const p = twoProportionPValue({ key: 'A', sent: 1000, successes: 200 }, { key: 'B', sent: 1000, successes: 250 });
    expect(p).toBeCloseTo(0.0074, 3);
  });

  it('is null without variance or without sends', () => {
    expect(twoProportionPValue({ key: 'A', sent: 0, successes: 0 }, { key: 'B', sent: 10, successes: 1 })).toBeNull();
    expect(twoProportionPValue({ key: 'A', sent: 10, successes: 0 }, { key: 'B', sent: 10, successes: 0 })).toBeNull();
  });

  it('picks the best rate, flags significance, and adjusts for several variants', () => {
    const clear = chooseWinner([
      { key: 'A', sent: 1000, successes: 200 },
      { key: 'B', sent: 1000, successes: 250 },
    ]);
    expect(clear).toMatchObject({ winner: 'B', significant: true });
    expect(clear.rates).toEqual({ A: 0.2, B: 0.25 });
    const four = chooseWinner([
      { key: 'A', sent: 1000, successes: 200 },
      { key: 'B', sent: 1000, successes: 250 },
      { key: 'C', sent: 1000, successes: 100 },
      { key: 'D', sent: 1000, successes: 110 },
    ]);
    expect(four.winner).toBe('B');
    expect(four.pValue).toBeCloseTo(0.0074 * 3, 2);
    const close = chooseWinner([
      { key: 'A', sent: 100, successes: 10 },
      { key: 'B', sent: 100, successes: 11 },
    ]);
    expect(close).toMatchObject({ winner: 'B', significant: false });
  });

  it('names the first variant on a tie or with no data', () => {
    expect(
      chooseWinner([
        { key: 'A', sent: 0, successes: 0 },
        { key: 'B', sent: 0, successes: 0 },
      ]),
    ).toMatchObject({
      winner: 'A',
      pValue: null,
      significant: false,
    });
  });
});

describe('send-time optimisation', () => {
  const at = (iso: string) => new Date(iso);

  it('reads hours in the customer time zone', () => {
    expect(hourIn(at('2026-06-01T18:30:00Z'), 'Europe/Berlin')).toBe(20);
    expect(hourIn(at('2026-06-01T18:30:00Z'), null)).toBe(18);
    expect(hourIn(at('2026-06-01T18:30:00Z'), 'Not/AZone')).toBe(18);
  });

  it('uses a customer best hour with 3+ points, else the tenant best hour', () => {
    const { perCustomer, tenantHourUtc } = bestHours([
      {
        customerId: 1,
        timezone: 'UTC',
        at: [at('2026-05-01T07:10:00Z'), at('2026-05-02T07:50:00Z'), at('2026-05-03T21:00:00Z')],
      },
      { customerId: 2, timezone: null, at: [at('2026-05-01T07:00:00Z')] },
      { customerId: 3, timezone: null, at: [] },
    ]);
    expect(perCustomer.get(1)).toBe(7);
    expect(perCustomer.has(2)).toBe(false);
    expect(tenantHourUtc).toBe(7);
  });

  it('schedules each customer at their hour within the spread window', () => {
    const start = at('2026-06-01T12:00:00Z');
    const times = sendTimes(
      [
        {
          customerId: 1,
          timezone: 'Europe/Berlin',
          at: [at('2026-05-01T18:00:00Z'), at('2026-05-02T18:20:00Z'), at('2026-05-03T18:40:00Z')],
        },
        { customerId: 2, timezone: null, at: [] },
      ],
      start,
      86_400_000,
      () => 0,
    );
    // 20:00 Berlin (CEST) is 18:00 UTC, later the same day.
    expect(times.get(1)?.toISOString()).toBe('2026-06-01T18:00:00.000Z');
    // Tenant best hour is 18 UTC too (every point is at 18 UTC).
    expect(times.get(2)?.toISOString()).toBe('2026-06-01T18:00:00.000Z');
    for (const t of times.values()) {
      expect(t.getTime()).toBeGreaterThanOrEqual(start.getTime());
      expect(t.getTime()).toBeLessThanOrEqual(start.getTime() + 86_400_000);
    }
  });
});
