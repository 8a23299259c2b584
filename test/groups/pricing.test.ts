import { priceGroup, tierPercent } from '../../domain/groups/pricing';
import { parseRosterCsv } from '../../domain/groups/roster';
import { GroupsSettingsSchema, groupsSettingsOf } from '../../domain/groups/settings';

const defaults = groupsSettingsOf({});
const seats = (n: number, listPriceMinor = 4000, ticketTypeId = 1) =>
  Array.from({ length: n }, () => ({ ticketTypeId, listPriceMinor }));

describe('group pricing', () => {
  it('applies the largest size tier reached', () => {
    expect([9, 10, 24, 25, 500].map((n) => tierPercent(n, defaults.size_tiers))).toEqual([0, 10, 10, 15, 15]);
    expect(priceGroup(seats(10, 3333), defaults).seats[0]).toMatchObject({ priceMinor: 3000, rule: 'size_tier' });
  });

  it('uses a fixed group rate for its ticket type instead of the tier', () => {
    const q = priceGroup([...seats(11), ...seats(1, 9000, 2)], {
      ...defaults,
      fixed_rates: [{ ticket_type_id: 2, price_minor: 5000 }],
    });
    expect(q.seats.map((s) => s.priceMinor)).toEqual([...Array(11).fill(3600), 5000]);
    expect(q.totalMinor).toBe(11 * 3600 + 5000);
  });

  it('frees the cheapest N of every full M, the same seats every time', () => {
    const rules = { ...defaults, size_tiers: [], free_per: { free: 1, per: 5 } };
    const q = priceGroup([...seats(2, 9000, 2), ...seats(9)], rules);
    expect(q.freeSeats).toBe(2);
    expect(q.seats.filter((s) => s.rule === 'free').map((s) => s.listPriceMinor)).toEqual([4000, 4000]);
    expect(q.seats.findIndex((s) => s.rule === 'free')).toBe(2);
    expect(q.totalMinor).toBe(2 * 9000 + 7 * 4000);
  });

  it('refuses rules that cannot hold', () => {
    for (const bad of [
      { size_tiers: [{ min_size: 10, percent_off: 101 }] },
      {
        size_tiers: [
          { min_size: 10, percent_off: 5 },
          { min_size: 10, percent_off: 8 },
        ],
      },
      { free_per: { free: 3, per: 3 } },
      { fixed_rates: [{ ticket_type_id: 1, price_minor: -1 }] },
      { deadline_time_scale: 0 },
    ])
      expect(GroupsSettingsSchema.safeParse(bad).success).toBe(false);
  });
});

describe('roster CSV', () => {
  const types = new Map([
    ['GA', 1],
    ['1', 1],
  ]);
  it('reads names, e-mails and ticket types, with quoted commas', () => {
    const r = parseRosterCsv('Name,Email,Ticket_Type\n"Doe, Jane",JANE@example.com,GA\nBob,bob@example.com,1\n', types);
    expect(r).toEqual({
      errors: [],
      entries: [
        { name: 'Doe, Jane', email: 'jane@example.com', ticketTypeId: 1 },
        { name: 'Bob', email: 'bob@example.com', ticketTypeId: 1 },
      ],
    });
  });
  it('reports every faulty row and returns no entries', () => {
    const r = parseRosterCsv('name,email,ticket_type\nA,a@example.com,GA\nB,b@,GA\nC,c@example.com,VIP', types);
    expect(r.entries).toEqual([]);
    expect(r.errors.map((e) => [e.row, e.field])).toEqual([
      [2, 'email'],
      [3, 'ticket_type'],
    ]);
    expect(parseRosterCsv('name,email\nA,a@example.com', types).errors[0]).toMatchObject({ field: 'ticket_type' });
    expect(parseRosterCsv('name,email,ticket_type\n"unclosed,a@example.com,GA', types).errors[0].field).toBe('csv');
  });
});
