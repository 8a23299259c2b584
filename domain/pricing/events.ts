import { z } from 'zod';

/** The pricing module's domain events; spread into the catalogue (`domain/catalogue.ts`). Each part keeps its own section. */
export const pricingEvents = {
  // --- rules (rules) ---
  'pricing.rule_changed': {
    doc: "A ticket type's pricing rule was created, changed, paused, resumed or deleted; its repricer re-evaluates.",
    payload: z.object({
      rule_id: z.number().int(),
      ticket_type_id: z.number().int(),
      event_id: z.number().int(),
      strategy: z.enum(['time', 'demand', 'inventory', 'manual']),
      change: z.enum(['created', 'updated', 'paused', 'resumed', 'deleted']),
    }),
  },
  'price.changed': {
    doc:
      'The price buyers pay for a ticket type changed (a rule, a manual change or a price test), within the ' +
      "tenant's guardrails. A reduction carries the lowest price of the prior 30 days (EU Omnibus Directive).",
    payload: z.object({
      ticket_type_id: z.number().int(),
      event_id: z.number().int(),
      old_price_minor: z.number().int(),
      new_price_minor: z.number().int(),
      currency: z.string(),
      reason: z.string(),
      rule_id: z.number().int().nullable().describe('the rule that set it, if any'),
      source: z.enum(['rule', 'manual', 'test']),
      lowest_30d_minor: z
        .number()
        .int()
        .optional()
        .describe('with a reduction: the lowest price of the 30 days before it'),
    }),
  },
  // --- end rules ---
  // --- quotes (quotes) ---
  // --- end quotes ---
  // --- price tests (tests) ---
  'pricing.test_started': {
    doc: 'An A/B price test started: new visitors of the ticket type are quoted one of its prices.',
    payload: z.object({
      test_id: z.number().int(),
      ticket_type_id: z.number().int(),
      event_id: z.number().int(),
      mode: z.enum(['fixed', 'thompson']),
      prices_minor: z.array(z.number().int()).describe('the arms, control first'),
    }),
  },
  'pricing.test_stopped': {
    doc: 'An A/B price test was stopped by the tenant before it finished; the price stays as it was.',
    payload: z.object({ test_id: z.number().int(), ticket_type_id: z.number().int(), event_id: z.number().int() }),
  },
  'pricing.test_completed': {
    doc: "An A/B price test finished (significant, or at its sample size); its winner became the ticket type's price.",
    payload: z.object({
      test_id: z.number().int(),
      ticket_type_id: z.number().int(),
      event_id: z.number().int(),
      winner_arm: z.number().int(),
      winner_price_minor: z.number().int(),
      because: z.enum(['significant', 'sample_size']),
      exposures: z.number().int(),
      conversions: z.number().int(),
      applied_price_minor: z.number().int().describe('the price now in force, after the guardrails'),
    }),
  },
  // --- end tests ---
} as const satisfies Record<string, { doc: string; payload: z.ZodObject }>;

export const PRICING_EVENT_TYPES = Object.keys(pricingEvents) as (keyof typeof pricingEvents)[];
