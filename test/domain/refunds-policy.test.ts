import { localDayNumber, startOfLocalDay } from '../../domain/refunds/calendar';
import { PROPOSAL_POLICY } from '../helpers/refunds';
import {
  activeWindow,
  isWithinPolicy,
  minorPerMajor,
  NO_POLICY,
  PolicyRules,
  quote,
  type QuoteContext,
} from '../../domain/refunds/policy';

const rules = PolicyRules.parse(PROPOSAL_POLICY);

const ctx = (now: string, over: Partial<QuoteContext> = {}): QuoteContext => ({
  // 20:00 in Berlin on New Year's Eve.
  eventStartsAt: new Date('2026-12-31T19:00:00Z'),
  timeZone: 'Europe/Berlin',
  now: new Date(now),
  currency: 'EUR',
  paidMinor: [4500],
  ...over,
});
const ms = (iso: string, delta: number): string => new Date(new Date(iso).getTime() + delta).toISOString();

describe('refund policy rules', () => {
  it("accepts the proposal's example and defaults the optional fields", () => {
    expect(rules.processing_fee).toBe(5);
    expect(PolicyRules.parse({ windows: [] })).toEqual(NO_POLICY);
  });

  it.each([
    ['a duplicated threshold', { windows: [PROPOSAL_POLICY.windows[0], PROPOSAL_POLICY.windows[0]] }, 'windows'],
    [
      'a percentage above 100',
      { windows: [{ ...PROPOSAL_POLICY.windows[0], refund_percentage: 101 }] },
      'windows.0.refund_percentage',
    ],
    [
      'a negative percentage',
      { windows: [{ ...PROPOSAL_POLICY.windows[0], refund_percentage: -5 }] },
      'windows.0.refund_percentage',
    ],
    [
      'fractional days',
      { windows: [{ ...PROPOSAL_POLICY.windows[0], until_days_before: 1.5 }] },
      'windows.0.until_days_before',
    ],
    ['a fee with fractions of a cent', { ...PROPOSAL_POLICY, processing_fee: 5.001 }, 'processing_fee'],
    ['a negative fee', { ...PROPOSAL_POLICY, processing_fee: -1 }, 'processing_fee'],
    ['a fee given as a string', { ...PROPOSAL_POLICY, processing_fee: '5.00' }, 'processing_fee'],
    ['an unknown field', { ...PROPOSAL_POLICY, refund_everything: true }, ''],
    [
      'a window without its flags',
      { windows: [{ until_days_before: 3, refund_percentage: 10 }] },
      'windows.0.exchange_allowed',
    ],
  ])('rejects %s with a field error', (_label, input, path) => {
    const r = PolicyRules.safeParse(input);
    expect(r.success).toBe(false);
    expect(r.error?.issues.map((i) => i.path.join('.'))).toContain(path);
  });

  it('accepts fees with cents that binary floating point cannot represent exactly', () => {
    expect(PolicyRules.safeParse({ ...PROPOSAL_POLICY, processing_fee: 0.07 }).success).toBe(true);
    expect(PolicyRules.safeParse({ ...PROPOSAL_POLICY, processing_fee: 19.99 }).success).toBe(true);
  });

  it('picks the window with the largest threshold that the days left reach, whatever the order given', () => {
    const reversed = { ...rules, windows: [...rules.windows].reverse() };
    expect(activeWindow(reversed, 45)?.until_days_before).toBe(30);
    expect(activeWindow(reversed, 30)?.until_days_before).toBe(30);
    expect(activeWindow(reversed, 29)?.until_days_before).toBe(7);
    expect(activeWindow(reversed, 1)?.until_days_before).toBe(1);
    expect(activeWindow(reversed, 0)).toBeNull();
  });
});

describe('quote', () => {
  it('gives 100% less the fee while 30 or more days remain, switching at the exact local midnight', () => {
    // Day 30 before 31 Dec is 1 Dec; the 30-day window ends when 2 Dec begins in Berlin (23:00 UTC, CET).
    const boundary = '2026-12-01T23:00:00.000Z';
    const before = quote(rules, ctx(ms(boundary, -1)));
    expect(before).toMatchObject({
      daysBefore: 30,
      refund: { allowed: true, percentage: 100, grossMinor: 4500, feeMinor: 500, amountMinor: 4000 },
    });
    expect(before.windowEndsAt?.toISOString()).toBe(boundary);
    const at = quote(rules, ctx(boundary));
    expect(at).toMatchObject({
      daysBefore: 29,
      refund: { percentage: 50, grossMinor: 2250, feeMinor: 500, amountMinor: 1750 },
    });
  });

  it('closes the 7-day and 1-day windows at local midnight, and allows nothing on the event day', () => {
    expect(quote(rules, ctx('2026-12-24T22:59:59.999Z')).refund.percentage).toBe(50);
    const zero = quote(rules, ctx('2026-12-24T23:00:00.000Z'));
    expect(zero).toMatchObject({
      daysBefore: 6,
      refund: { allowed: false, percentage: 0, amountMinor: 0 },
      exchange: { allowed: true },
      transfer: { allowed: false },
    });
    expect(zero.refund.reason).toMatch(/no refund 6 days before/);
    expect(quote(rules, ctx('2026-12-30T22:59:59.999Z'))).toMatchObject({ daysBefore: 1, exchange: { allowed: true } });
    const eventDay = quote(rules, ctx('2026-12-30T23:00:00.000Z'));
    expect(eventDay).toMatchObject({
      daysBefore: 0,
      window: null,
      exchange: { allowed: false },
      credit: { allowed: true, amountMinor: 4500 },
    });
  });

  it('counts days on the calendar of the event zone across a daylight-saving change', () => {
    // Berlin moves to summer time on 29 March 2026: the 7-day boundary is a CEST midnight (22:00 UTC),
    // the 30-day one still a CET midnight (23:00 UTC).
    const spring = { eventStartsAt: new Date('2026-04-05T18:00:00Z') };
    expect(quote(rules, ctx('2026-03-29T21:59:59.999Z', spring))).toMatchObject({
      daysBefore: 7,
      refund: { percentage: 50 },
    });
    expect(quote(rules, ctx('2026-03-29T22:00:00.000Z', spring))).toMatchObject({
      daysBefore: 6,
      refund: { percentage: 0 },
    });
    expect(quote(rules, ctx('2026-03-29T22:00:00.000Z', spring)).transfer.allowed).toBe(false);
    expect(quote(rules, ctx('2026-03-06T22:59:59.999Z', spring)).refund.percentage).toBe(100);
    expect(quote(rules, ctx('2026-03-06T23:00:00.000Z', spring)).refund.percentage).toBe(50);
  });

  it('counts days in the event zone, not UTC: late evening in New York is already tomorrow in UTC', () => {
    const ny = { eventStartsAt: new Date('2026-12-31T01:00:00Z'), timeZone: 'America/New_York' }; // 30 Dec, 20:00 local
    // 30 Nov 23:30 local is 1 Dec 04:30 UTC: in New York exactly 30 days remain.
    expect(quote(rules, ctx('2026-12-01T04:30:00Z', ny))).toMatchObject({
      daysBefore: 30,
      refund: { percentage: 100 },
    });
    expect(quote(rules, ctx('2026-12-01T05:00:00Z', ny))).toMatchObject({ daysBefore: 29, refund: { percentage: 50 } });
  });

  it('allows nothing once the event has started', () => {
    const q = quote(rules, ctx('2026-12-31T19:00:00Z'));
    expect(q).toMatchObject({
      daysBefore: null,
      refund: { allowed: false },
      exchange: { allowed: false },
      transfer: { allowed: false },
      credit: { allowed: false },
    });
    expect(q.refund.reason).toBe('the event has started');
  });

  it('deducts the fee per ticket, never more than a ticket refunds, and rounds each ticket down', () => {
    const q = quote(
      {
        ...rules,
        windows: [{ until_days_before: 0, refund_percentage: 33.33, exchange_allowed: false, transfer_allowed: false }],
      },
      ctx('2026-12-31T18:59:59Z', { paidMinor: [1001, 1001, 300] }),
    );
    // floor(1001 * 0.3333) = 333 twice, floor(300 * 0.3333) = 99; the fee takes 500 of each but only 99 of the last.
    expect(q.refund).toMatchObject({
      grossMinor: 765,
      feeMinor: 765,
      amountMinor: 0,
      allowed: false,
      reason: 'the processing fee takes the whole refund',
    });
    expect(q.windowEndsAt?.toISOString()).toBe('2026-12-31T19:00:00.000Z');
  });

  it('converts the fee from major units by the currency', () => {
    expect(minorPerMajor('EUR')).toBe(100);
    expect(minorPerMajor('JPY')).toBe(1);
    const yen = quote(rules, ctx('2026-11-01T00:00:00Z', { currency: 'JPY', paidMinor: [6000] }));
    expect(yen.refund).toMatchObject({ grossMinor: 6000, feeMinor: 5, amountMinor: 5995 });
  });

  it('sends everything to staff when no policy is set, and decides auto-approval per option', () => {
    const q = quote(NO_POLICY, ctx('2026-11-01T00:00:00Z'));
    expect(q.refund.reason).toMatch(/no refund policy/);
    for (const type of ['refund', 'exchange', 'transfer', 'credit'] as const)
      expect(isWithinPolicy(q, type)).toBe(false);
    const open = quote(rules, ctx('2026-12-26T00:00:00Z')); // 5 days out: exchange only
    expect([
      isWithinPolicy(open, 'refund'),
      isWithinPolicy(open, 'exchange'),
      isWithinPolicy(open, 'transfer'),
      isWithinPolicy(open, 'credit'),
    ]).toEqual([false, true, false, true]);
  });
});

describe('calendar', () => {
  it('finds the first instant of a day where daylight saving skips midnight', () => {
    // Chile skips from 00:00 to 01:00 on 6 September 2026: the day begins at 01:00 local (04:00 UTC).
    const day = localDayNumber(new Date('2026-09-06T12:00:00Z'), 'America/Santiago');
    expect(startOfLocalDay(day, 'America/Santiago').toISOString()).toBe('2026-09-06T04:00:00.000Z');
    expect(startOfLocalDay(day, 'Asia/Kolkata').toISOString()).toBe('2026-09-05T18:30:00.000Z');
  });
});
