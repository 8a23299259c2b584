import {
  dueReminders,
  followingSchedule,
  nextPeriod,
  nextRetryAt,
  renewalChargeKey,
  renewalSchedule,
} from '../../domain/season/renewal';
import { formatMailDate, formatMoney, renderRenewalMail } from '../../domain/season/renewal-mail';

const settings = {
  renewal_reminder_days: [7, 30],
  dunning_retry_days: [7, 1, 3, 20],
  grace_days: 14,
  renewal_time_scale: 1,
};
const renewsAt = new Date('2027-06-30T00:00:00.000Z');

describe('renewal schedule', () => {
  it('puts reminders before the renewal date (earliest first) and retries after it, within the grace period', () => {
    const s = renewalSchedule(renewsAt, settings);
    expect(s.reminders).toEqual([
      { daysBefore: 30, at: '2027-05-31T00:00:00.000Z' },
      { daysBefore: 7, at: '2027-06-23T00:00:00.000Z' },
    ]);
    // 20 days is past the 14-day grace: the expiry comes first, so that retry never happens.
    expect(s.retries).toEqual([
      { attempt: 2, daysAfter: 1, at: '2027-07-01T00:00:00.000Z' },
      { attempt: 3, daysAfter: 3, at: '2027-07-03T00:00:00.000Z' },
      { attempt: 4, daysAfter: 7, at: '2027-07-07T00:00:00.000Z' },
    ]);
    expect(s.graceEndsAt).toBe('2027-07-14T00:00:00.000Z');
    expect(nextRetryAt(s, 1)).toBe('2027-07-01T00:00:00.000Z');
    expect(nextRetryAt(s, 4)).toBeNull();
  });

  it('scales every duration by the time scale (tests run a day as a second)', () => {
    const s = renewalSchedule(renewsAt, { ...settings, renewal_time_scale: 1 / 86_400 });
    expect(s.reminders.map((r) => Date.parse(r.at) - renewsAt.getTime())).toEqual([-30_000, -7_000]);
    expect(s.retries.map((r) => Date.parse(r.at) - renewsAt.getTime())).toEqual([1_000, 3_000, 7_000]);
    expect(Date.parse(s.graceEndsAt) - renewsAt.getTime()).toBe(14_000);
  });

  it('gives the next period the schedule its own renewal date would have, at any time scale', () => {
    for (const scale of [1, 1 / 86_400]) {
      const scaled = { ...settings, renewal_time_scale: scale };
      const next = nextPeriod({ endsAt: renewsAt, renewsAt }, 'monthly') as { renewsAt: Date };
      expect(followingSchedule(renewalSchedule(renewsAt, scaled), next.renewsAt)).toEqual(
        renewalSchedule(next.renewsAt, scaled),
      );
    }
  });

  it('has no retries when the grace period is zero: a failed charge expires at once', () => {
    const s = renewalSchedule(renewsAt, { ...settings, grace_days: 0 });
    expect(s.retries).toEqual([]);
    expect(s.graceEndsAt).toBe(renewsAt.toISOString());
  });
});

describe('due reminders', () => {
  const s = renewalSchedule(renewsAt, settings);
  it('sends every reminder still ahead', () => {
    expect(dueReminders(s, [], new Date('2027-05-01T00:00:00Z')).map((r) => r.daysBefore)).toEqual([30, 7]);
  });
  it('of those already due, sends only the latest (bought a week before: no 30-day reminder)', () => {
    expect(dueReminders(s, [], new Date('2027-06-24T00:00:00Z')).map((r) => r.daysBefore)).toEqual([7]);
    expect(dueReminders(s, [], new Date('2027-06-10T00:00:00Z')).map((r) => r.daysBefore)).toEqual([30, 7]);
  });
  it('skips those sent, those older than one sent, and all once the renewal date passed', () => {
    expect(dueReminders(s, [30], new Date('2027-06-01T00:00:00Z')).map((r) => r.daysBefore)).toEqual([7]);
    expect(dueReminders(s, [7], new Date('2027-05-01T00:00:00Z'))).toEqual([]);
    expect(dueReminders(s, [], new Date('2027-06-30T00:00:00Z'))).toEqual([]);
  });
});

describe('next period', () => {
  it('moves the end and the renewal date by the billing cycle, keeping the day where the month has it', () => {
    const period = { endsAt: new Date('2027-01-31T00:00:00Z'), renewsAt: new Date('2027-01-31T00:00:00Z') };
    expect(nextPeriod(period, 'monthly')).toEqual({
      endsAt: new Date('2027-02-28T00:00:00Z'),
      renewsAt: new Date('2027-02-28T00:00:00Z'),
    });
    expect(nextPeriod(period, 'annual')?.renewsAt).toEqual(new Date('2028-01-31T00:00:00Z'));
    expect(
      nextPeriod({ endsAt: new Date('2028-02-29T10:00:00Z'), renewsAt: new Date('2028-02-29T10:00:00Z') }, 'annual')
        ?.endsAt,
    ).toEqual(new Date('2029-02-28T10:00:00Z'));
    expect(nextPeriod(period, 'one-time')).toBeNull();
  });
});

describe('renewal charge key and e-mails', () => {
  it('is stable per subscription, period and attempt', () => {
    expect(renewalChargeKey('t1', 4, renewsAt.toISOString(), 2)).toBe('season-renewal/t1/4/2027-06-30T00:00:00.000Z/2');
    expect(renewalChargeKey('t1', 4, renewsAt.toISOString(), 2)).not.toBe(
      renewalChargeKey('t1', 4, renewsAt.toISOString(), 3),
    );
  });

  it('formats money in the currency and dates in UTC', () => {
    expect(formatMoney(30_000, 'EUR')).toBe('€300.00');
    expect(formatMoney(5_000, 'JPY')).toBe('¥5,000');
    expect(formatMailDate('2027-06-30T09:30:00.000Z')).toBe('30 June 2027 at 09:30 UTC');
  });

  it('renders the reminder with amount and date, escaping names in HTML', async () => {
    const vars = {
      customer: { name: 'Ada <b>L</b>', first_name: 'Ada' },
      tenant: { name: 'Hall' },
      package: { name: 'Gold <script>' },
      amount: '€300.00',
      renews_at: '30 June 2027 at 00:00 UTC',
      days_before: 7,
      failure: '',
      next_retry_at: null,
      grace_ends_at: '',
      offline: false,
    };
    const mail = await renderRenewalMail('reminder', vars);
    expect(mail.subject).toBe('Your Gold <script> renews on 30 June 2027 at 00:00 UTC');
    expect(mail.html).toContain('Gold &lt;script&gt;');
    expect(mail.text).toContain('We will charge €300.00 to your saved payment method.');
    const offline = await renderRenewalMail('dunning', { ...vars, offline: true, grace_ends_at: '14 July 2027' });
    expect(offline.text).toContain('We have not yet received your renewal payment of €300.00');
    expect(offline.text).toContain('Please pay before 14 July 2027');
  });
});
