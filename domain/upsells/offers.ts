import type { FieldError } from '../../lib/errors';

/** What decides whether a rule's product is offered. */
export const RULE_TYPES = ['always', 'ticket_type', 'customer_segment', 'cart_value'] as const;
export type RuleType = (typeof RULE_TYPES)[number];
export const OFFER_LOCATIONS = ['cart', 'checkout', 'confirmation'] as const;
export type OfferLocation = (typeof OFFER_LOCATIONS)[number];
/** The priority of a rule created without one, and of a product offered without any rule. */
export const DEFAULT_PRIORITY = 100;

/**
 * A rule's conditions, by type: `ticket_type` offers when the cart holds any of `ticket_type_ids`;
 * `customer_segment` when the customer is a current member of any of `segment_ids` (CRM);
 * `cart_value` when the tickets' total is within [`min_cart_minor`, `max_cart_minor`]; `always` has none.
 */
export interface RuleConditions {
  ticket_type_ids?: number[];
  segment_ids?: number[];
  min_cart_minor?: number;
  max_cart_minor?: number;
}

const NEEDS: Record<RuleType, (keyof RuleConditions)[]> = {
  always: [],
  ticket_type: ['ticket_type_ids'],
  customer_segment: ['segment_ids'],
  cart_value: ['min_cart_minor', 'max_cart_minor'],
};

/** Conditions that do not fit the rule's type; a cart_value rule needs at least one bound. */
export function conditionErrors(type: RuleType, c: RuleConditions): FieldError[] {
  const err = (path: string, message: string): FieldError => ({
    path: `body.conditions${path ? `.${path}` : ''}`,
    message,
    code: 'invalid_rule',
  });
  const out: FieldError[] = [];
  for (const key of Object.keys(c) as (keyof RuleConditions)[])
    if (c[key] !== undefined && !NEEDS[type].includes(key)) out.push(err(key, `not a condition of a ${type} rule`));
  if (type === 'ticket_type' && !c.ticket_type_ids?.length) out.push(err('ticket_type_ids', 'at least one'));
  if (type === 'customer_segment' && !c.segment_ids?.length) out.push(err('segment_ids', 'at least one'));
  if (type === 'cart_value') {
    if (c.min_cart_minor === undefined && c.max_cart_minor === undefined)
      out.push(err('', 'a cart_value rule has min_cart_minor, max_cart_minor or both'));
    if (c.min_cart_minor !== undefined && c.max_cart_minor !== undefined && c.min_cart_minor > c.max_cart_minor)
      out.push(err('max_cart_minor', 'at least min_cart_minor'));
  }
  return out;
}

export interface OfferFacts {
  now: Date;
  location: OfferLocation;
  /** Ticket type id to quantity. */
  cart: Map<number, number>;
  cartValueMinor: number;
  /** The customer's current CRM segments; empty without a customer or without CRM. */
  segmentIds: Set<number>;
}

export interface CandidateRule {
  id: number;
  rule_type: RuleType;
  conditions: RuleConditions;
  priority: number;
}

export interface CandidateProduct {
  id: number;
  event_id: number | null;
  type: 'addon' | 'upgrade' | 'bundle' | 'external';
  display_in: 'cart' | 'checkout' | 'confirmation' | 'all';
  sale_starts_at: Date | null;
  sale_ends_at: Date | null;
  /** Units left to sell; null: unlimited. */
  available: number | null;
  upgrade_ticket_type_id: number | null;
  rules: CandidateRule[];
}

export interface RankedOffer<P extends CandidateProduct> {
  product: P;
  /** The rule that put it there; null for a product without rules (offered wherever it is displayed). */
  ruleId: number | null;
  priority: number;
}

export function ruleMatches(rule: CandidateRule, facts: OfferFacts): boolean {
  const c = rule.conditions;
  switch (rule.rule_type) {
    case 'always':
      return true;
    case 'ticket_type':
      return (c.ticket_type_ids ?? []).some((id) => (facts.cart.get(id) ?? 0) > 0);
    case 'customer_segment':
      return (c.segment_ids ?? []).some((id) => facts.segmentIds.has(id));
    case 'cart_value':
      return (
        facts.cartValueMinor >= (c.min_cart_minor ?? 0) &&
        facts.cartValueMinor <= (c.max_cart_minor ?? Number.MAX_SAFE_INTEGER)
      );
  }
}

/** Whether the product may be offered at all here and now: location, sale window, stock, upgrade sense. */
export function offerable(p: CandidateProduct, facts: OfferFacts): boolean {
  if (p.display_in !== 'all' && p.display_in !== facts.location) return false;
  if (p.sale_starts_at && p.sale_starts_at > facts.now) return false;
  if (p.sale_ends_at && p.sale_ends_at <= facts.now) return false;
  if (p.available !== null && p.available <= 0) return false;
  // An upgrade needs a ticket in the cart to move, of another type than its target.
  if (p.type === 'upgrade') return [...facts.cart].some(([id, q]) => q > 0 && id !== p.upgrade_ticket_type_id);
  return true;
}

/**
 * The offers for a cart, best first: each offerable product once, under its best matching rule (the
 * lowest priority number). Ties go to a product of this event before a tenant-wide one, then to a
 * targeted rule before `always`, then to the older product.
 */
export function rankOffers<P extends CandidateProduct>(
  products: P[],
  facts: OfferFacts,
  limit: number,
): RankedOffer<P>[] {
  const ranked: (RankedOffer<P> & { targeted: boolean })[] = [];
  for (const product of products) {
    if (!offerable(product, facts)) continue;
    if (!product.rules.length) {
      ranked.push({ product, ruleId: null, priority: DEFAULT_PRIORITY, targeted: false });
      continue;
    }
    let best: CandidateRule | undefined;
    for (const rule of product.rules)
      if (
        ruleMatches(rule, facts) &&
        (!best || rule.priority < best.priority || (rule.priority === best.priority && rule.id < best.id))
      )
        best = rule;
    if (best) ranked.push({ product, ruleId: best.id, priority: best.priority, targeted: best.rule_type !== 'always' });
  }
  ranked.sort(
    (a, b) =>
      a.priority - b.priority ||
      Number(b.product.event_id !== null) - Number(a.product.event_id !== null) ||
      Number(b.targeted) - Number(a.targeted) ||
      a.product.id - b.product.id,
  );
  return ranked.slice(0, limit).map(({ product, ruleId, priority }) => ({ product, ruleId, priority }));
}
