import { formatOrderNumber, priceOrder } from '../../domain/orders/pricing';
import { canTransition, statusAfterInventoryChange } from '../../domain/events/lifecycle';

describe('priceOrder', () => {
  it('totals quantity times unit price across lines', () => {
    expect(
      priceOrder([
        { ticketTypeId: 1, quantity: 2, unitPriceMinor: 4500, currency: 'EUR' },
        { ticketTypeId: 2, quantity: 1, unitPriceMinor: 9900, currency: 'EUR' },
      ]),
    ).toEqual({ ok: true, currency: 'EUR', totalMinor: 18900 });
  });

  it('rejects mixed currencies, empty orders and repeated ticket types', () => {
    expect(priceOrder([])).toEqual({ ok: false, code: 'empty_order' });
    expect(
      priceOrder([
        { ticketTypeId: 1, quantity: 1, unitPriceMinor: 100, currency: 'EUR' },
        { ticketTypeId: 2, quantity: 1, unitPriceMinor: 100, currency: 'USD' },
      ]),
    ).toEqual({ ok: false, code: 'mixed_currencies' });
    expect(
      priceOrder([
        { ticketTypeId: 1, quantity: 1, unitPriceMinor: 100, currency: 'EUR' },
        { ticketTypeId: 1, quantity: 2, unitPriceMinor: 100, currency: 'EUR' },
      ]),
    ).toEqual({ ok: false, code: 'duplicate_ticket_type' });
  });

  it('prices free tickets at zero', () => {
    expect(priceOrder([{ ticketTypeId: 1, quantity: 3, unitPriceMinor: 0, currency: 'EUR' }])).toEqual({
      ok: true,
      currency: 'EUR',
      totalMinor: 0,
    });
  });
});

describe('formatOrderNumber', () => {
  it('is unique per sequence and avoids ambiguous characters', () => {
    const numbers = new Set(Array.from({ length: 5000 }, (_, i) => formatOrderNumber(1000 + i)));
    expect(numbers.size).toBe(5000);
    for (const n of numbers) expect(n).toMatch(/^U-[2-9A-HJ-NP-Z]{6,}$/);
  });
});

describe('event lifecycle', () => {
  it('allows publishing and cancelling but never reopening an ended or cancelled event', () => {
    expect(canTransition('draft', 'on_sale')).toBe(true);
    expect(canTransition('on_sale', 'cancelled')).toBe(true);
    expect(canTransition('ended', 'on_sale')).toBe(false);
    expect(canTransition('cancelled', 'draft')).toBe(false);
  });

  it('follows inventory between on_sale and sold_out only', () => {
    expect(statusAfterInventoryChange('on_sale', 0, 50)).toBe('sold_out');
    expect(statusAfterInventoryChange('sold_out', 3, 50)).toBe('on_sale');
    expect(statusAfterInventoryChange('draft', 0, 50)).toBe('draft');
    expect(statusAfterInventoryChange('cancelled', 5, 50)).toBe('cancelled');
  });

  it('does not call an event with no tickets yet sold out', () => {
    expect(statusAfterInventoryChange('on_sale', 0, 0)).toBe('on_sale');
  });
});
