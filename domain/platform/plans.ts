/** The twelve add-on services, each a module a tenant subscribes to. */
export const MODULES = [
  'checkin',
  'wallet',
  'waitlist',
  'crm',
  'analytics',
  'refunds',
  'pricing',
  'season',
  'upsells',
  'surveys',
  'groups',
  'streaming',
] as const;
export type ModuleName = (typeof MODULES)[number];

export const PLANS = ['standard', 'enterprise'] as const;
export type PlanName = (typeof PLANS)[number];

/** Billable units with their price per unit in euro cents; percentage meters carry their own amount. */
export const METERS = {
  'checkin.scan': { module: 'checkin', unitMinor: 1, description: 'Ticket scans (€0.01 each)' },
  'checkin.extra_device': {
    module: 'checkin',
    unitMinor: 500,
    description: 'Scanner devices above the 3 included (€5/device/month)',
  },
  'resale.fee': { module: 'waitlist', percent: 3, description: 'Resale platform fee (3% from the buyer)' },
  'refunds.processing': { module: 'refunds', percent: 2, description: 'Refund processing (2%)' },
  'upsells.commission': { module: 'upsells', percent: 3, description: 'Upsell commission (3%)' },
  // --- commission reversal (upsells) ---
  'upsells.commission_reversal': {
    module: 'upsells',
    percent: 3,
    credit: true,
    description: 'Upsell commission reversed on refunded upsell revenue (3%)',
  },
  // --- end commission reversal (upsells) ---
  // --- commission taken as a Stripe application fee (upsells) ---
  'upsells.commission_collected': {
    module: 'upsells',
    percent: 3,
    credit: true,
    description: 'Upsell commission already taken as the Stripe application fee of a destination charge (3%)',
  },
  // --- end commission taken as a Stripe application fee (upsells) ---
  'streaming.revenue_share': { module: 'streaming', percent: 10, description: 'Streaming revenue share (10%)' },
} as const satisfies Record<
  string,
  // `credit`: recorded as a positive amount, given back on the invoice (commission reversed by a refund).
  { module: ModuleName; unitMinor?: number; percent?: number; credit?: boolean; description: string }
>;
export type MeterName = keyof typeof METERS;

interface ModulePrice {
  baseMinor: number;
  enterpriseMinor?: number;
  label: string;
}

/** Monthly base fees from the proposal's pricing, in euro cents. */
export const MODULE_PRICES: Record<ModuleName, ModulePrice> = {
  checkin: { baseMinor: 1500, enterpriseMinor: 10000, label: 'Smart Check-in' },
  wallet: { baseMinor: 800, label: 'Mobile Wallet' },
  waitlist: { baseMinor: 1000, label: 'Waitlist & Resale' },
  crm: { baseMinor: 2500, label: 'CRM & Automation' },
  analytics: { baseMinor: 1500, label: 'Analytics Dashboard' },
  refunds: { baseMinor: 1200, label: 'Refund & Exchange' },
  pricing: { baseMinor: 3000, label: 'Dynamic Pricing' },
  season: { baseMinor: 2000, label: 'Season Tickets' },
  upsells: { baseMinor: 1000, label: 'Upsells Engine' },
  surveys: { baseMinor: 500, label: 'Survey System' },
  groups: { baseMinor: 800, label: 'Group Booking' },
  streaming: { baseMinor: 5000, label: 'Live Streaming' },
};

export const INCLUDED_SCANNER_DEVICES = 3;

/** Usage charges a plan waives: the check-in enterprise tier is unlimited. */
export function isMeterWaived(meter: MeterName, plan: PlanName): boolean {
  return plan === 'enterprise' && METERS[meter].module === 'checkin';
}

/** The charge for `quantity` units of a per-unit meter, or `percent` of a base amount for a percentage meter. */
export function meterAmount(meter: MeterName, quantity: number, baseAmountMinor = 0): number {
  const m: { unitMinor?: number; percent?: number } = METERS[meter];
  if (m.percent !== undefined) return Math.round((baseAmountMinor * m.percent) / 100);
  return quantity * (m.unitMinor ?? 0);
}

/**
 * Stable per-event bucket in [0, 100): an event is inside a gradual rollout when its bucket is below
 * the rollout percentage, so raising the percentage only ever adds events.
 */
export function rolloutBucket(module: ModuleName, eventId: number): number {
  let h = 2166136261;
  for (const ch of `${module}:${eventId}`) {
    h ^= ch.charCodeAt(0);
    h = Math.imul(h, 16777619);
  }
  return (h >>> 0) % 100;
}

export interface SubscriptionLine {
  module: ModuleName;
  plan: PlanName;
}
export interface UsageLine {
  meter: MeterName;
  quantity: number;
  amountMinor: number;
}
export interface InvoiceLine {
  kind: 'base' | 'usage';
  code: string;
  description: string;
  quantity: number;
  amount_minor: number;
}

/** A month's invoice: base fees of the subscribed modules, then usage per meter. */
export function buildInvoice(
  subscriptions: SubscriptionLine[],
  usage: UsageLine[],
): { lines: InvoiceLine[]; total_minor: number; currency: 'EUR' } {
  const plans = new Map(subscriptions.map((s) => [s.module, s.plan]));
  const lines: InvoiceLine[] = subscriptions.map((s) => {
    const price = MODULE_PRICES[s.module];
    const enterprise = s.plan === 'enterprise' && price.enterpriseMinor !== undefined;
    return {
      kind: 'base',
      code: `${s.module}.base`,
      quantity: 1,
      description: `${price.label} ${enterprise ? 'enterprise' : 'base'} subscription`,
      amount_minor: enterprise ? (price.enterpriseMinor as number) : price.baseMinor,
    };
  });
  for (const u of usage) {
    const plan = plans.get(METERS[u.meter].module) ?? 'standard';
    if (isMeterWaived(u.meter, plan)) continue;
    lines.push({
      kind: 'usage',
      code: u.meter,
      description: METERS[u.meter].description,
      quantity: u.quantity,
      amount_minor: 'credit' in METERS[u.meter] ? -u.amountMinor : u.amountMinor, // commission reversal (upsells)
    });
  }
  return { lines, total_minor: lines.reduce((s, l) => s + l.amount_minor, 0), currency: 'EUR' };
}

/** Whether a tenant's module row lets a call through: on, and (under a gradual rollout) this event inside it. */
export function moduleAdmits(
  row: { enabled: boolean; rollout_percent: number } | undefined,
  module: ModuleName,
  eventId?: number,
): boolean {
  if (!row?.enabled) return false;
  return eventId === undefined || rolloutBucket(module, eventId) < row.rollout_percent;
}
