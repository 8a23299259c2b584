import type { z } from 'zod';
import type { Tx } from '../../db/connection';
import { getTicketType } from '../../db/events/ticket-types';
import { emit } from '../../db/platform/outbox';
import { applyPriceChange } from '../../db/pricing/changes';
import { guardrailFacts, listPriceChanges } from '../../db/pricing/history';
import { deleteRule, getRule, insertRule, listRules, updateRule, type PricingRuleRow } from '../../db/pricing/rules';
import { ticketTypeSchedule } from '../../db/pricing/schedule';
import { parseRuleDefinition } from '../../domain/pricing/definitions';
import type { Strategy } from '../../domain/pricing/engine';
import { AppError, notFound } from '../../lib/errors';
import type { RouterDeps } from '../deps';
import { defineRoute } from '../route';
import { IdParams, page, Pagination, toPage } from '../schemas/common';
import {
  CreateRule,
  ManualPrice,
  PriceChangeOutcome,
  PriceHistory,
  Rule,
  RulesQuery,
  Schedule,
  UpdateRule,
} from './rules-schemas';

const DEFAULT_PRIORITY = 100;

/** A definition that fails validation answers 400 `invalid_rule`, each error with its path (and a bad condition's offset). */
function checkDefinition(strategy: Strategy, rules: unknown): void {
  const parsed = parseRuleDefinition(strategy, rules);
  if (!parsed.ok)
    throw new AppError(400, 'invalid_rule', 'The pricing rule is not valid', {
      errors: parsed.errors.map((e) => ({
        path: e.path ? `body.rules.${e.path}` : 'body.rules',
        message: e.message,
        code: 'invalid_rule',
        ...(e.position === undefined ? {} : { position: e.position }),
      })),
    });
}

const toRule = (r: PricingRuleRow): z.infer<typeof Rule> => ({
  id: r.id,
  event_id: r.event_id,
  ticket_type_id: r.ticket_type_id,
  strategy: r.strategy,
  rules: r.rules,
  priority: r.priority,
  status: r.status,
  created_at: r.created_at.toISOString(),
  updated_at: r.updated_at.toISOString(),
});

async function loadRule(tx: Tx, id: number): Promise<PricingRuleRow> {
  const rule = await getRule(tx, id);
  if (!rule) throw notFound('Pricing rule');
  return rule;
}

async function loadTicketType(tx: Tx, id: number) {
  const tt = await getTicketType(tx, id);
  if (!tt) throw notFound('Ticket type');
  return tt;
}

/** Announces a rule's change in its transaction; the repricer trigger starts or signals the workflow. */
const announce = (
  tx: Tx,
  tenantId: string,
  r: PricingRuleRow,
  change: 'created' | 'updated' | 'paused' | 'resumed' | 'deleted',
) =>
  emit(tx, tenantId, {
    type: 'pricing.rule_changed',
    aggregateType: 'ticket_type',
    aggregateId: r.ticket_type_id,
    payload: { rule_id: r.id, ticket_type_id: r.ticket_type_id, event_id: r.event_id, strategy: r.strategy, change },
  });

/** Pricing rules, manual prices, price history and the announced schedule. */
export function rulesRoutes(deps: RouterDeps): void {
  const tags = ['pricing'];
  const module = 'pricing' as const;

  defineRoute(deps, {
    method: 'post',
    path: '/api/pricing/rules',
    summary: "Create a ticket type's pricing rule (time, demand, inventory or manual); its repricer starts",
    tags,
    access: { scope: 'write', module },
    body: CreateRule,
    idempotent: true,
    responses: { 201: { description: 'Created', schema: Rule } },
    handler: async ({ tx, auth, body }) => {
      checkDefinition(body.strategy, body.rules);
      const tt = await loadTicketType(tx, body.ticket_type_id);
      const rule = await insertRule(tx, auth.tenantId, {
        ticketTypeId: tt.id,
        eventId: tt.event_id,
        strategy: body.strategy,
        rules: body.rules,
        priority: body.priority ?? DEFAULT_PRIORITY,
        status: body.status ?? 'active',
      });
      await announce(tx, auth.tenantId, rule, 'created');
      return { status: 201, body: toRule(rule) };
    },
  });

  defineRoute(deps, {
    method: 'get',
    path: '/api/pricing/rules',
    summary: "The tenant's pricing rules, optionally of one ticket type or event",
    tags,
    access: { scope: 'read', module },
    query: RulesQuery,
    responses: { 200: { description: 'Rules', schema: page(Rule) } },
    handler: async ({ tx, query }) => {
      const rows = await listRules(tx, {
        limit: query.limit,
        after: query.after,
        ticketTypeId: query.ticket_type_id,
        eventId: query.event_id,
      });
      return { body: { ...toPage(rows, query.limit), items: rows.map(toRule) } };
    },
  });

  defineRoute(deps, {
    method: 'get',
    path: '/api/pricing/rules/{id}',
    summary: 'A pricing rule',
    tags,
    access: { scope: 'read', module },
    params: IdParams,
    responses: { 200: { description: 'Rule', schema: Rule } },
    handler: async ({ tx, params }) => ({ body: toRule(await loadRule(tx, params.id)) }),
  });

  defineRoute(deps, {
    method: 'patch',
    path: '/api/pricing/rules/{id}',
    summary: 'Change a pricing rule; the ticket type is re-priced at once',
    tags,
    access: { scope: 'write', module },
    params: IdParams,
    body: UpdateRule,
    responses: { 200: { description: 'Updated', schema: Rule } },
    handler: async ({ tx, auth, params, body }) => {
      const before = await loadRule(tx, params.id);
      const strategy = body.strategy ?? before.strategy;
      if (body.rules !== undefined || body.strategy !== undefined)
        checkDefinition(strategy, body.rules ?? before.rules);
      const rule = (await updateRule(tx, params.id, body)) as PricingRuleRow;
      await announce(tx, auth.tenantId, rule, 'updated');
      return { body: toRule(rule) };
    },
  });

  defineRoute(deps, {
    method: 'delete',
    path: '/api/pricing/rules/{id}',
    summary: 'Delete a pricing rule; its price changes keep their history (rule_id null)',
    tags,
    access: { scope: 'write', module },
    params: IdParams,
    responses: { 204: { description: 'Deleted' } },
    handler: async ({ tx, auth, params }) => {
      const rule = await deleteRule(tx, params.id);
      if (!rule) throw notFound('Pricing rule');
      await announce(tx, auth.tenantId, rule, 'deleted');
      return { status: 204 };
    },
  });

  for (const [action, status] of [
    ['pause', 'paused'],
    ['resume', 'active'],
  ] as const) {
    defineRoute(deps, {
      method: 'post',
      path: `/api/pricing/rules/{id}/${action}`,
      summary:
        action === 'pause' ? 'Pause a pricing rule: it sets no price until resumed' : 'Resume a paused pricing rule',
      tags,
      access: { scope: 'write', module },
      params: IdParams,
      responses: { 200: { description: 'The rule', schema: Rule } },
      handler: async ({ tx, auth, params }) => {
        const before = await loadRule(tx, params.id);
        if (before.status === status) return { body: toRule(before) };
        const rule = (await updateRule(tx, params.id, { status })) as PricingRuleRow;
        await announce(tx, auth.tenantId, rule, action === 'pause' ? 'paused' : 'resumed');
        return { body: toRule(rule) };
      },
    });
  }

  defineRoute(deps, {
    method: 'get',
    path: '/api/pricing/ticket-types/{id}/schedule',
    summary: "A ticket type's announced price tiers from now on, and the price range its active rules can reach",
    tags,
    access: { scope: 'read', module },
    params: IdParams,
    responses: { 200: { description: 'Schedule', schema: Schedule } },
    handler: async ({ tx, params }) => {
      const schedule = await ticketTypeSchedule(tx, params.id, new Date());
      if (!schedule) throw notFound('Ticket type');
      return { body: schedule };
    },
  });

  defineRoute(deps, {
    method: 'get',
    path: '/api/pricing/ticket-types/{id}/price-changes',
    summary: "A ticket type's price changes, oldest first, with the lowest price of the last 30 days",
    tags,
    access: { scope: 'read', module },
    params: IdParams,
    query: Pagination,
    responses: { 200: { description: 'Price history', schema: PriceHistory } },
    handler: async ({ tx, params, query }) => {
      const tt = await loadTicketType(tx, params.id);
      const facts = await guardrailFacts(tx, [{ id: tt.id, priceMinor: tt.price_minor }], new Date());
      const rows = await listPriceChanges(tx, tt.id, query);
      return {
        body: {
          ticket_type_id: tt.id,
          current_price_minor: tt.price_minor,
          currency: tt.currency.trim(),
          lowest_30d_minor: facts.get(tt.id)?.lowest30dMinor ?? tt.price_minor,
          ...toPage(rows, query.limit),
          items: rows.map((r) => ({
            id: r.id,
            ticket_type_id: r.ticket_type_id,
            old_price_minor: r.old_price_minor,
            new_price_minor: r.new_price_minor,
            reason: r.reason,
            rule_id: r.rule_id,
            source: r.source,
            changed_at: r.changed_at.toISOString(),
          })),
        },
      };
    },
  });

  defineRoute(deps, {
    method: 'post',
    path: '/api/pricing/ticket-types/{id}/price',
    summary: "Set a ticket type's price by hand, within the tenant's guardrails (a reduction states the 30-day lowest)",
    tags,
    access: { scope: 'write', module },
    params: IdParams,
    body: ManualPrice,
    idempotent: true,
    responses: { 200: { description: 'What was applied', schema: PriceChangeOutcome } },
    handler: async ({ tx, auth, params, body }) => {
      const tt = await loadTicketType(tx, params.id);
      const r = await applyPriceChange(tx, auth.tenantId, {
        ticketTypeId: tt.id,
        priceMinor: body.price_minor,
        reason: body.reason ?? 'manual',
        ruleId: null,
        source: 'manual',
      });
      return {
        body: {
          changed: r.changed,
          old_price_minor: r.oldPriceMinor,
          new_price_minor: r.newPriceMinor,
          lowest_30d_minor: r.changed && r.newPriceMinor < r.oldPriceMinor ? r.lowest30dMinor : null,
          limited_by: r.limitedBy ?? [],
          retry_at: r.retryAt?.toISOString() ?? null,
        },
      };
    },
  });
}
