import {
  emailTakenByOther,
  getCustomer,
  listCustomers,
  updateCustomer,
  upsertCustomer,
} from '../../db/customers/customers';
import { getCustomerMetrics } from '../../db/customers/metrics';
import { signCustomerToken } from '../../lib/credentials';
import { conflict, notFound } from '../../lib/errors';
import type { RouterDeps } from '../deps';
import { visibleTo } from '../ownership';
import { defineRoute } from '../route';
import { IdParams, isoOrNull, page, toPage } from '../schemas/common';
import {
  CreateCustomerToken,
  Customer,
  CustomerInput,
  CustomerMetrics,
  CustomerQuery,
  CustomerToken,
  UpdateCustomer,
} from './schemas';
import { toCustomer } from './view';

export function customerRoutes(deps: RouterDeps): void {
  const tags = ['Customers'];

  defineRoute(deps, {
    method: 'post',
    path: '/api/customers',
    summary: 'Create a customer, or update the one with this e-mail',
    tags,
    access: { scope: 'write' },
    body: CustomerInput,
    idempotent: true,
    responses: { 200: { description: 'Updated', schema: Customer }, 201: { description: 'Created', schema: Customer } },
    handler: async ({ tx, auth, body }) => {
      const { row, created } = await upsertCustomer(tx, auth.tenantId, body);
      return { status: created ? 201 : 200, body: toCustomer(row) };
    },
  });

  defineRoute(deps, {
    method: 'get',
    path: '/api/customers',
    summary: 'List or search customers',
    tags,
    access: { scope: 'read' },
    query: CustomerQuery,
    responses: { 200: { description: 'Customers', schema: page(Customer) } },
    handler: async ({ tx, query }) => {
      const rows = await listCustomers(tx, query);
      return { body: { ...toPage(rows, query.limit), items: rows.map(toCustomer) } };
    },
  });

  defineRoute(deps, {
    method: 'get',
    path: '/api/customers/{id}',
    summary: 'Get a customer',
    tags,
    access: { scope: 'read', customer: true },
    params: IdParams,
    responses: { 200: { description: 'Customer', schema: Customer } },
    handler: async ({ tx, auth, params }) => ({
      body: toCustomer(visibleTo(auth, await getCustomer(tx, params.id), (c) => c.id, 'Customer')),
    }),
  });

  defineRoute(deps, {
    method: 'patch',
    path: '/api/customers/{id}',
    summary: 'Update a customer',
    tags,
    access: { scope: 'write' },
    params: IdParams,
    body: UpdateCustomer,
    responses: { 200: { description: 'Updated', schema: Customer } },
    handler: async ({ tx, params, body }) => {
      if (!(await getCustomer(tx, params.id))) throw notFound('Customer');
      if (body.email && (await emailTakenByOther(tx, body.email, params.id))) {
        throw conflict('email_taken', 'Another customer already has this e-mail');
      }
      return { body: toCustomer(await updateCustomer(tx, params.id, body)) };
    },
  });

  defineRoute(deps, {
    method: 'post',
    path: '/api/customers/{id}/tokens',
    summary: 'Mint a short-lived token that acts for this customer only',
    tags,
    access: { scope: 'write' },
    params: IdParams,
    body: CreateCustomerToken,
    responses: { 201: { description: 'Token', schema: CustomerToken } },
    handler: async ({ tx, auth, params, body }) => {
      if (!(await getCustomer(tx, params.id))) throw notFound('Customer');
      const { token, expiresAt } = await signCustomerToken(
        deps.config.TOKEN_SECRET,
        { tenantId: auth.tenantId, customerId: params.id },
        body.ttl_seconds ?? deps.config.CUSTOMER_TOKEN_TTL_S,
      );
      return { status: 201, body: { token, customer_id: params.id, expires_at: expiresAt.toISOString() } };
    },
  });

  defineRoute(deps, {
    method: 'get',
    path: '/api/customers/{id}/metrics',
    summary: "A customer's purchase metrics: orders, spend, average order, first and last purchase",
    tags,
    access: { scope: 'read' },
    params: IdParams,
    responses: { 200: { description: 'Metrics', schema: CustomerMetrics } },
    handler: async ({ tx, params }) => {
      if (!(await getCustomer(tx, params.id))) throw notFound('Customer');
      const m = await getCustomerMetrics(tx, params.id);
      return {
        body: {
          customer_id: params.id,
          total_orders: m?.total_orders ?? 0,
          total_spent_minor: Number(m?.total_spent_minor ?? 0),
          currency: m?.currency?.trim() ?? null,
          avg_order_value_minor: m?.avg_order_value_minor ?? 0,
          first_purchase_at: isoOrNull(m?.first_purchase_at),
          last_purchase_at: isoOrNull(m?.last_purchase_at),
        },
      };
    },
  });

  defineRoute(deps, {
    method: 'get',
    path: '/api/me',
    summary: 'The customer a customer token acts for',
    tags,
    access: { scope: 'read', customer: true },
    responses: { 200: { description: 'Customer', schema: Customer } },
    handler: async ({ tx, auth }) => {
      if (auth.kind !== 'customer') throw notFound('Customer');
      const row = await getCustomer(tx, auth.customerId);
      if (!row) throw notFound('Customer');
      return { body: toCustomer(row) };
    },
  });
}
