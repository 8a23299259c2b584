import type { z } from 'zod';
import type { Tx } from '../../db/connection';
import { isModuleEnabled } from '../../db/platform/modules';
import { getProduct } from '../../db/upsells/catalog-products';
import {
  countSegments,
  countTicketTypes,
  deleteRule,
  getRule,
  insertRule,
  listRules,
  updateRule,
  type UpsellRuleRow,
} from '../../db/upsells/catalog-rules';
import { ticketTypesOfEvent } from '../../db/events/ticket-types';
import { conditionErrors, DEFAULT_PRIORITY, type RuleConditions, type RuleType } from '../../domain/upsells/offers';
import { AppError, notFound, unprocessable } from '../../lib/errors';
import type { RouterDeps } from '../deps';
import { defineRoute } from '../route';
import { IdParams, page, toPage } from '../schemas/common';
import { CreateRule, Rule, RulesQuery, UpdateRule } from './catalog-schemas';

const toRule = (r: UpsellRuleRow): z.infer<typeof Rule> => ({
  id: r.id,
  product_id: r.product_id,
  rule_type: r.rule_type,
  conditions: r.conditions,
  priority: r.priority,
  created_at: r.created_at.toISOString(),
});

async function loadRule(tx: Tx, id: number): Promise<UpsellRuleRow> {
  const rule = await getRule(tx, id);
  if (!rule) throw notFound('Upsell rule');
  return rule;
}

/**
 * Conditions fit the type (400) and name the tenant's own rows (404): ticket types of the product's
 * event (422 for another event's), CRM segments only while the tenant has CRM on (422 otherwise).
 */
async function checkRule(tx: Tx, productId: number, type: RuleType, c: RuleConditions): Promise<void> {
  const errors = conditionErrors(type, c);
  if (errors.length) throw new AppError(400, 'invalid_rule', 'The rule is not valid', { errors });
  const product = await getProduct(tx, productId);
  if (!product) throw notFound('Upsell product');
  const ticketTypeIds = [...new Set(c.ticket_type_ids ?? [])];
  if (ticketTypeIds.length) {
    if ((await countTicketTypes(tx, ticketTypeIds)) !== ticketTypeIds.length) throw notFound('Ticket type');
    if (product.event_id !== null) {
      const ofEvent = await ticketTypesOfEvent(tx, product.event_id, ticketTypeIds);
      if (ofEvent.size !== ticketTypeIds.length)
        throw unprocessable('ticket_type_of_other_event', `The ticket types are not all of event ${product.event_id}`);
    }
  }
  const segmentIds = [...new Set(c.segment_ids ?? [])];
  if (segmentIds.length) {
    if (!(await isModuleEnabled(tx, 'crm')))
      throw unprocessable('crm_not_enabled', 'Customer segment rules need the CRM module');
    if ((await countSegments(tx, segmentIds)) !== segmentIds.length) throw notFound('Customer segment');
  }
}

/** The rules that decide which products are offered for a cart or an order. */
export function ruleRoutes(deps: RouterDeps): void {
  const tags = ['upsells'];
  const module = 'upsells' as const;

  defineRoute(deps, {
    method: 'post',
    path: '/api/upsells/rules',
    summary: 'Add a rule to a product: always, ticket_type, customer_segment (CRM) or cart_value, with a priority',
    tags,
    access: { scope: 'write', module },
    body: CreateRule,
    idempotent: true,
    responses: { 201: { description: 'Created', schema: Rule } },
    handler: async ({ tx, auth, body }) => {
      const conditions = body.conditions ?? {};
      await checkRule(tx, body.product_id, body.rule_type, conditions);
      const rule = await insertRule(tx, auth.tenantId, {
        product_id: body.product_id,
        rule_type: body.rule_type,
        conditions,
        priority: body.priority ?? DEFAULT_PRIORITY,
      });
      return { status: 201, body: toRule(rule) };
    },
  });

  defineRoute(deps, {
    method: 'get',
    path: '/api/upsells/rules',
    summary: "The tenant's upsell rules, optionally of one product",
    tags,
    access: { scope: 'read', module },
    query: RulesQuery,
    responses: { 200: { description: 'Rules', schema: page(Rule) } },
    handler: async ({ tx, query }) => {
      const rows = await listRules(tx, { limit: query.limit, after: query.after, productId: query.product_id });
      return { body: { ...toPage(rows, query.limit), items: rows.map(toRule) } };
    },
  });

  defineRoute(deps, {
    method: 'get',
    path: '/api/upsells/rules/{id}',
    summary: 'An upsell rule',
    tags,
    access: { scope: 'read', module },
    params: IdParams,
    responses: { 200: { description: 'Rule', schema: Rule } },
    handler: async ({ tx, params }) => ({ body: toRule(await loadRule(tx, params.id)) }),
  });

  defineRoute(deps, {
    method: 'patch',
    path: '/api/upsells/rules/{id}',
    summary: "Change a rule's type, conditions or priority",
    tags,
    access: { scope: 'write', module },
    params: IdParams,
    body: UpdateRule,
    responses: { 200: { description: 'Updated', schema: Rule } },
    handler: async ({ tx, params, body }) => {
      const before = await loadRule(tx, params.id);
      const ruleType = body.rule_type ?? before.rule_type;
      // A new type starts from no conditions, so the old type's cannot linger.
      const conditions = body.conditions ?? (body.rule_type ? {} : before.conditions);
      await checkRule(tx, before.product_id, ruleType, conditions);
      const rule = await updateRule(tx, params.id, { rule_type: ruleType, conditions, priority: body.priority });
      return { body: toRule(rule as UpsellRuleRow) };
    },
  });

  defineRoute(deps, {
    method: 'delete',
    path: '/api/upsells/rules/{id}',
    summary: 'Delete a rule; conversions it brought keep their history (rule_id null)',
    tags,
    access: { scope: 'write', module },
    params: IdParams,
    responses: { 204: { description: 'Deleted' } },
    handler: async ({ tx, params }) => {
      if (!(await deleteRule(tx, params.id))) throw notFound('Upsell rule');
      return { status: 204 };
    },
  });
}
