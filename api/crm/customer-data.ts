import type { z } from 'zod';
import type { Tx } from '../../db/connection';
import { lastConsent, listConsents, recordConsent, type ConsentRow } from '../../db/crm/consents';
import { refreshMemberships } from '../../db/crm/memberships';
import {
  getLtvModel,
  lastMetricsRefresh,
  startMetricsRefresh,
  type LtvModelRow,
  type MetricsRefreshRow,
} from '../../db/crm/metrics';
import { changeTags, getCustomer, type CustomerRow } from '../../db/customers/customers';
import { getCustomerMetrics } from '../../db/customers/metrics';
import { DEFAULT_HORIZON_DAYS } from '../../domain/crm/ltv';
import { conflict } from '../../lib/errors';
import { startIdempotent } from '../../lib/temporal';
import {
  metricsRefreshStartOptions,
  metricsRefreshWorkflowId,
  metricsRefreshWorkflowType,
} from '../../workflows/crm/contract';
import { toCustomer, toCustomerMetrics } from '../customers/view';
import type { RouterDeps } from '../deps';
import { visibleTo } from '../ownership';
import { defineRoute, type Auth } from '../route';
import { IdParams, isoOrNull, page, toPage } from '../schemas/common';
import {
  ConsentChangeInput,
  ConsentChangeResult,
  ConsentEntry,
  ConsentQuery,
  CrmCustomerProfile,
  MetricsRefreshView,
  StartMetricsRefresh,
  TagChange,
} from './customer-data-schemas';
import { Customer } from '../customers/schemas';

const toConsentEntry = (c: ConsentRow): z.infer<typeof ConsentEntry> => ({
  id: c.id,
  channel: c.channel,
  granted: c.granted,
  source: c.source,
  recorded_at: c.recorded_at.toISOString(),
});

function toLtvModel(m: LtvModelRow): NonNullable<z.infer<typeof MetricsRefreshView>['model']> {
  const fitted = m.method === 'bgnbd_gg';
  return {
    method: m.method,
    bgnbd: fitted ? { r: Number(m.r), alpha: Number(m.alpha), a: Number(m.a), b: Number(m.b) } : null,
    gamma_gamma: fitted ? { p: Number(m.p), q: Number(m.q), gamma: Number(m.gamma) } : null,
    log_likelihood: m.log_likelihood === null ? null : Number(m.log_likelihood),
    customers: m.customers,
    repeat_customers: m.repeat_customers,
    horizon_days: m.horizon_days,
    details: m.details,
    fitted_at: m.fitted_at.toISOString(),
  };
}

const toRefreshRun = (r: MetricsRefreshRow): NonNullable<z.infer<typeof MetricsRefreshView>['run']> => ({
  id: r.id,
  status: r.status,
  workflow_id: r.workflow_id,
  horizon_days: r.horizon_days,
  customers: r.customers,
  error: r.error,
  started_at: r.started_at.toISOString(),
  completed_at: isoOrNull(r.completed_at),
});

/** The customer when the caller may act for them (a key of the tenant, or their own token), else 404. */
async function loadOwnCustomer(tx: Tx, auth: Auth, id: number): Promise<CustomerRow> {
  return visibleTo(auth, await getCustomer(tx, id), (c) => c.id, 'Customer');
}

/** Customer profiles, the consent ledger, tags, and the refresh of RFM, lifetime value and churn. */
export function customerDataRoutes(deps: RouterDeps): void {
  const tags = ['crm'];
  const module = 'crm' as const;

  defineRoute(deps, {
    method: 'get',
    path: '/api/crm/customers/{id}',
    summary:
      "A customer's CRM profile: data, metrics (orders, spend, attendance, engagement, RFM, lifetime value, churn), consent and tags",
    tags,
    access: { scope: 'read', customer: true, module },
    params: IdParams,
    responses: { 200: { description: 'Profile', schema: CrmCustomerProfile } },
    handler: async ({ tx, auth, params }) => {
      const customer = await loadOwnCustomer(tx, auth, params.id);
      const last = await lastConsent(tx, customer.id);
      return {
        body: {
          customer: toCustomer(customer),
          metrics: toCustomerMetrics(customer.id, await getCustomerMetrics(tx, customer.id)),
          consent: { email: customer.marketing_consent, last_change: last ? toConsentEntry(last) : null },
          tags: customer.tags ?? [],
        },
      };
    },
  });

  defineRoute(deps, {
    method: 'get',
    path: '/api/crm/customers/{id}/consents',
    summary: "A customer's consent ledger: every grant and withdrawal with its source and time, oldest first",
    tags,
    access: { scope: 'read', customer: true, module },
    params: IdParams,
    query: ConsentQuery,
    responses: { 200: { description: 'Ledger', schema: page(ConsentEntry) } },
    handler: async ({ tx, auth, params, query }) => {
      const customer = await loadOwnCustomer(tx, auth, params.id);
      const rows = await listConsents(tx, customer.id, query);
      return { body: { ...toPage(rows, query.limit), items: rows.map(toConsentEntry) } };
    },
  });

  defineRoute(deps, {
    method: 'post',
    path: '/api/crm/customers/{id}/consents',
    summary:
      'Grant or withdraw e-mail marketing consent (a customer token may change its own); a change is appended to the ledger, no change records nothing',
    tags,
    access: { scope: 'write', customer: true, module },
    params: IdParams,
    body: ConsentChangeInput,
    idempotent: true,
    responses: { 200: { description: 'Current consent', schema: ConsentChangeResult } },
    handler: async ({ tx, auth, params, body }) => {
      const customer = await loadOwnCustomer(tx, auth, params.id);
      if (customer.erased_at && body.granted)
        throw conflict('customer_erased', "The customer's personal data was erased");
      const changed = customer.marketing_consent !== body.granted;
      await recordConsent(tx, auth.tenantId, customer.id, { channel: 'email', ...body });
      if (changed) await refreshMemberships(tx, auth.tenantId, [customer.id]);
      const last = await lastConsent(tx, customer.id);
      return {
        body: {
          customer_id: customer.id,
          marketing_consent: body.granted,
          changed,
          entry: last ? toConsentEntry(last) : null,
        },
      };
    },
  });

  defineRoute(deps, {
    method: 'post',
    path: '/api/crm/customers/{id}/tags',
    summary: 'Add and remove tags of a customer (tags are unique and kept sorted)',
    tags,
    access: { scope: 'write', module },
    params: IdParams,
    body: TagChange,
    responses: { 200: { description: 'Customer', schema: Customer } },
    handler: async ({ tx, auth, params, body }) => {
      await loadOwnCustomer(tx, auth, params.id);
      const row = await changeTags(tx, params.id, body);
      await refreshMemberships(tx, auth.tenantId, [row.id]);
      return { body: toCustomer(row) };
    },
  });

  defineRoute(deps, {
    method: 'post',
    path: '/api/crm/metrics/refresh',
    summary:
      "Recompute RFM quintiles, refit the tenant's lifetime-value model (BG/NBD + Gamma-Gamma) and score every customer's lifetime value and churn, in one durable workflow; while one runs, calling again answers it",
    tags,
    access: { scope: 'admin', module },
    body: StartMetricsRefresh,
    idempotent: true,
    responses: {
      202: { description: 'Started: follow it with GET on the same path', schema: MetricsRefreshView },
      200: { description: 'A refresh is already running', schema: MetricsRefreshView },
    },
    handler: async ({ tx, auth, body, afterCommit }) => {
      const { run, created } = await startMetricsRefresh(
        tx,
        auth.tenantId,
        body.horizon_days ?? DEFAULT_HORIZON_DAYS,
        (runId) => metricsRefreshWorkflowId(auth.tenantId, runId),
      );
      // Started on every call while the run is open, so a call after a crash before the start repairs it.
      const options = metricsRefreshStartOptions(run, run.started_at);
      afterCommit(async () => {
        await startIdempotent(deps.temporal, metricsRefreshWorkflowType, {
          taskQueue: deps.config.TEMPORAL_TASK_QUEUE,
          ...options,
        });
      });
      const model = await getLtvModel(tx);
      return {
        status: created ? 202 : 200,
        headers: { Location: '/api/crm/metrics/refresh' },
        body: { run: toRefreshRun(run), model: model ? toLtvModel(model) : null },
      };
    },
  });

  defineRoute(deps, {
    method: 'get',
    path: '/api/crm/metrics/refresh',
    summary: "The last metrics refresh and the tenant's fitted lifetime-value model (parameters and method)",
    tags,
    access: { scope: 'read', module },
    responses: { 200: { description: 'Last refresh and model', schema: MetricsRefreshView } },
    handler: async ({ tx }) => {
      const [run, model] = [await lastMetricsRefresh(tx), await getLtvModel(tx)];
      return { body: { run: run ? toRefreshRun(run) : null, model: model ? toLtvModel(model) : null } };
    },
  });
}
