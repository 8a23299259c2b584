import {
  emailTakenByOther,
  eraseCustomer,
  getCustomer,
  listCustomers,
  updateCustomer,
  upsertCustomer,
} from '../../db/customers/customers';
import { getCustomerMetrics } from '../../db/customers/metrics';
import { recordConsent } from '../../db/crm/consents';
import { refreshMemberships } from '../../db/crm/memberships';
import { emit } from '../../db/platform/outbox';
import { signCustomerToken } from '../../lib/credentials';
import { conflict, notFound } from '../../lib/errors';
import type { RouterDeps } from '../deps';
import { visibleTo } from '../ownership';
import { defineRoute } from '../route';
import { IdParams, page, toPage } from '../schemas/common';
import {
  CreateCustomerToken,
  Customer,
  CustomerInput,
  CustomerMetrics,
  CustomerQuery,
  CustomerToken,
  UpdateCustomer,
} from './schemas';
import { toCustomer, toCustomerMetrics } from './view';

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
      // Profile data and consent are segment inputs.
      await refreshMemberships(tx, auth.tenantId, [row.id]);
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
    handler: async ({ tx, auth, params, body }) => {
      const customer = await getCustomer(tx, params.id);
      if (!customer) throw notFound('Customer');
      if (customer.erased_at) throw conflict('customer_erased', "The customer's personal data was erased");
      if (body.email && (await emailTakenByOther(tx, body.email, params.id))) {
        throw conflict('email_taken', 'Another customer already has this e-mail');
      }
      const row = await updateCustomer(tx, auth.tenantId, params.id, body);
      await refreshMemberships(tx, auth.tenantId, [row.id]);
      return { body: toCustomer(row) };
    },
  });

  defineRoute(deps, {
    method: 'delete',
    path: '/api/customers/{id}',
    summary:
      "Erase a customer's personal data (GDPR): name, e-mail, phone, birthday and city are anonymised and marketing consent withdrawn; orders and tickets remain as financial records. Erasing again answers the erased customer",
    tags,
    access: { scope: 'admin' },
    params: IdParams,
    responses: { 200: { description: 'Erased', schema: Customer } },
    handler: async ({ tx, auth, params }) => {
      const customer = await getCustomer(tx, params.id);
      if (!customer) throw notFound('Customer');
      if (customer.erased_at) return { body: toCustomer(customer) };
      await recordConsent(tx, auth.tenantId, params.id, { channel: 'email', granted: false, source: 'erasure' });
      const erased = await eraseCustomer(tx, params.id);
      await emit(tx, auth.tenantId, {
        type: 'customer.erased',
        aggregateType: 'customer',
        aggregateId: params.id,
        payload: { customer_id: params.id },
      });
      await refreshMemberships(tx, auth.tenantId, [params.id]);
      return { body: toCustomer(erased ?? customer) };
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
    summary:
      "A customer's metrics: orders, net spend, average order, first and last purchase, attendance, e-mail engagement, RFM, lifetime value and churn",
    tags,
    access: { scope: 'read' },
    params: IdParams,
    responses: { 200: { description: 'Metrics', schema: CustomerMetrics } },
    handler: async ({ tx, params }) => {
      if (!(await getCustomer(tx, params.id))) throw notFound('Customer');
      return { body: toCustomerMetrics(params.id, await getCustomerMetrics(tx, params.id)) };
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
