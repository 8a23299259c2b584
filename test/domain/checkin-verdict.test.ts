import {
  deviceStatus,
  levelsReached,
  precheck,
  ratePerMinute,
  type GateFacts,
  type TicketFacts,
} from '../../domain/checkin/verdict';

const ticket: TicketFacts = { eventId: 1, ticketTypeId: 10, status: 'valid' };
const gate: GateFacts = { eventId: 1, status: 'open', ticketTypeIds: null };

describe('precheck', () => {
  it.each([
    ['unknown code', undefined, gate, 'entry', { verdict: 'invalid', reason: 'unknown_code' }],
    ['cancelled ticket', { ...ticket, status: 'cancelled' }, gate, 'entry', { verdict: 'cancelled' }],
    [
      'voided ticket (resold)',
      { ...ticket, status: 'voided' },
      gate,
      'entry',
      { verdict: 'invalid', reason: 'voided' },
    ],
    [
      'transferred ticket',
      { ...ticket, status: 'transferred' },
      gate,
      'entry',
      { verdict: 'invalid', reason: 'transferred' },
    ],
    ['another event', { ...ticket, eventId: 2 }, gate, 'entry', { verdict: 'invalid', reason: 'wrong_event' }],
    ['closed gate', ticket, { ...gate, status: 'closed' }, 'entry', { verdict: 'invalid', reason: 'gate_closed' }],
    ['exit through a closed gate', ticket, { ...gate, status: 'closed' }, 'exit', { verdict: 'admissible' }],
    [
      'VIP lane, other type',
      ticket,
      { ...gate, ticketTypeIds: [11] },
      'entry',
      { verdict: 'invalid', reason: 'ticket_type_not_admitted' },
    ],
    ['VIP lane, its type', ticket, { ...gate, ticketTypeIds: [10, 11] }, 'entry', { verdict: 'admissible' }],
    ['valid ticket, open gate', ticket, gate, 'entry', { verdict: 'admissible' }],
  ] as const)('%s', (_label, t, g, direction, expected) => {
    expect(precheck(t, g, direction)).toEqual(expected);
  });
});

describe('capacity levels', () => {
  it('reports each level reached, none without a capacity', () => {
    expect(levelsReached(79, 100)).toEqual([]);
    expect(levelsReached(80, 100)).toEqual([80]);
    expect(levelsReached(9, 10)).toEqual([80, 90]);
    expect(levelsReached(11, 10)).toEqual([80, 90, 100]);
    expect(levelsReached(5, null)).toEqual([]);
    expect(levelsReached(5, 0)).toEqual([]);
  });
});

describe('rate and device status', () => {
  const now = new Date('2026-01-01T20:10:00Z');
  it('averages admissions per minute over the trailing window', () => {
    const perMinute = [
      { minute: new Date('2026-01-01T19:00:00Z'), count: 1000 },
      { minute: new Date('2026-01-01T20:06:00Z'), count: 30 },
      { minute: new Date('2026-01-01T20:09:00Z'), count: 20 },
    ];
    expect(ratePerMinute(perMinute, now)).toBe(10);
    expect(ratePerMinute([], now)).toBe(0);
  });
  it('calls an active device offline once its heartbeat is older than the timeout', () => {
    expect(deviceStatus({ status: 'active', last_seen_at: new Date(now.getTime() - 5_000) }, now, 60)).toBe('active');
    expect(deviceStatus({ status: 'active', last_seen_at: new Date(now.getTime() - 61_000) }, now, 60)).toBe('offline');
    expect(deviceStatus({ status: 'active', last_seen_at: null }, now, 60)).toBe('offline');
    expect(deviceStatus({ status: 'inactive', last_seen_at: now }, now, 60)).toBe('inactive');
  });
});
