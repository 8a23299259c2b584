import { type z } from 'zod';
import type { Tx } from '../../db/connection';
import { getEvent } from '../../db/events/events';
import { getDefaultPolicy, getEffectivePolicy, savePolicy } from '../../db/refunds/policies';
import { NO_POLICY } from '../../domain/refunds/policy';
import { notFound } from '../../lib/errors';
import type { RouterDeps } from '../deps';
import { defineRoute } from '../route';
import { IdParams, isoOrNull } from '../schemas/common';
import { Policy, SavePolicy } from './schemas';

async function policyView(tx: Tx, eventId: number | null): Promise<z.infer<typeof Policy>> {
  if (eventId === null) {
    const row = await getDefaultPolicy(tx);
    return {
      event_id: null,
      source: row ? 'default' : 'none',
      name: row?.name ?? null,
      rules: row?.rules ?? NO_POLICY,
      updated_at: isoOrNull(row?.updated_at),
    };
  }
  const { rules, policy, source } = await getEffectivePolicy(tx, eventId);
  return { event_id: eventId, source, name: policy?.name ?? null, rules, updated_at: isoOrNull(policy?.updated_at) };
}

/** Refund policies: the tenant default and each event's own. */
export function refundPolicyRoutes(deps: RouterDeps): void {
  const tags = ['Refunds'];
  const module = 'refunds' as const;

  defineRoute(deps, {
    method: 'get',
    path: '/api/refund-policy',
    summary: "The tenant's default refund policy, used by events without their own",
    tags,
    access: { scope: 'read', module },
    responses: { 200: { description: 'Policy', schema: Policy } },
    handler: async ({ tx }) => ({ body: await policyView(tx, null) }),
  });

  defineRoute(deps, {
    method: 'put',
    path: '/api/refund-policy',
    summary:
      "Set the tenant's default refund policy (the proposal's JSON: windows, processing_fee in major units, allow_credit_conversion)",
    tags,
    access: { scope: 'admin', module },
    body: SavePolicy,
    responses: { 200: { description: 'Policy', schema: Policy } },
    handler: async ({ tx, auth, body }) => {
      await savePolicy(tx, auth.tenantId, null, { name: body.name ?? 'Default policy', rules: body.rules });
      return { body: await policyView(tx, null) };
    },
  });

  defineRoute(deps, {
    method: 'get',
    path: '/api/events/{id}/refund-policy',
    summary: 'The refund policy in force for an event: its own, else the tenant default',
    tags,
    access: { scope: 'read', customer: true, module },
    params: IdParams,
    responses: { 200: { description: 'Policy', schema: Policy } },
    handler: async ({ tx, params }) => {
      if (!(await getEvent(tx, params.id))) throw notFound('Event');
      return { body: await policyView(tx, params.id) };
    },
  });

  defineRoute(deps, {
    method: 'put',
    path: '/api/events/{id}/refund-policy',
    summary: "Set an event's own refund policy",
    tags,
    access: { scope: 'admin', module },
    params: IdParams,
    body: SavePolicy,
    responses: { 200: { description: 'Policy', schema: Policy } },
    handler: async ({ tx, auth, params, body }) => {
      const event = await getEvent(tx, params.id);
      if (!event) throw notFound('Event');
      await savePolicy(tx, auth.tenantId, event.id, { name: body.name ?? `${event.name} policy`, rules: body.rules });
      return { body: await policyView(tx, event.id) };
    },
  });
}
