import { z } from 'zod';
import { createApiKey, listApiKeys, revokeApiKey, type ApiKeyRow } from '../../db/tenants/keys';
import { updateTenant, getTenant, type TenantRow } from '../../db/tenants/tenants';
import { notFound } from '../../lib/errors';
import type { RouterDeps } from '../deps';
import { defineRoute } from '../route';
import { IdParams, isoOrNull } from '../schemas/common';
import { ApiKey, CreateApiKey, CreatedApiKey, Tenant, UpdateTenant } from './schemas';

const toTenant = (t: TenantRow): z.infer<typeof Tenant> => ({
  id: t.id,
  name: t.name,
  contact_email: t.contact_email,
  created_at: t.created_at.toISOString(),
});

const toApiKey = (k: ApiKeyRow): z.infer<typeof ApiKey> => ({
  id: k.id,
  name: k.name,
  prefix: k.prefix,
  scopes: k.scopes,
  created_at: k.created_at.toISOString(),
  last_used_at: isoOrNull(k.last_used_at),
  revoked_at: isoOrNull(k.revoked_at),
});

export function tenantRoutes(deps: RouterDeps): void {
  const tags = ['Tenants'];

  defineRoute(deps, {
    method: 'get',
    path: '/api/tenant',
    summary: 'The tenant the credentials belong to',
    tags,
    access: { scope: 'read' },
    responses: { 200: { description: 'Tenant', schema: Tenant } },
    handler: async ({ tx, auth }) => {
      const t = await getTenant(tx, auth.tenantId);
      if (!t) throw notFound('Tenant');
      return { body: toTenant(t) };
    },
  });

  defineRoute(deps, {
    method: 'patch',
    path: '/api/tenant',
    summary: "Update the tenant's name or contact e-mail",
    tags,
    access: { scope: 'admin' },
    body: UpdateTenant,
    responses: { 200: { description: 'Tenant', schema: Tenant } },
    handler: async ({ tx, auth, body }) => {
      await updateTenant(tx, auth.tenantId, body);
      const t = await getTenant(tx, auth.tenantId);
      if (!t) throw notFound('Tenant');
      return { body: toTenant(t) };
    },
  });

  defineRoute(deps, {
    method: 'get',
    path: '/api/keys',
    summary: 'List API keys (never their secrets)',
    tags,
    access: { scope: 'admin' },
    responses: { 200: { description: 'Keys', schema: z.object({ items: z.array(ApiKey) }) } },
    handler: async ({ tx, auth }) => ({ body: { items: (await listApiKeys(tx, auth.tenantId)).map(toApiKey) } }),
  });

  defineRoute(deps, {
    method: 'post',
    path: '/api/keys',
    summary: 'Create an API key; the key is shown only in this response',
    tags,
    access: { scope: 'admin' },
    body: CreateApiKey,
    idempotent: true,
    responses: { 201: { description: 'Created', schema: CreatedApiKey } },
    handler: async ({ tx, auth, body }) => {
      const { key, row } = await createApiKey(tx, auth.tenantId, body.name, [...new Set(body.scopes)]);
      return { status: 201, body: { ...toApiKey(row), key } };
    },
  });

  defineRoute(deps, {
    method: 'delete',
    path: '/api/keys/{id}',
    summary: 'Revoke an API key; it stops working at once',
    tags,
    access: { scope: 'admin' },
    params: IdParams,
    responses: { 200: { description: 'Revoked', schema: ApiKey } },
    handler: async ({ tx, auth, params }) => {
      const row = await revokeApiKey(tx, auth.tenantId, params.id);
      if (!row) throw notFound('API key');
      return { body: toApiKey(row) };
    },
  });
}
