import { z } from 'zod';
import { changeModule, listModules, type TenantModuleRow } from '../../db/platform/modules';
import { usageForPeriod } from '../../db/platform/usage';
import { buildInvoice, MODULE_PRICES, MODULES, type ModuleName } from '../../domain/platform/plans';
import type { RouterDeps } from '../deps';
import { defineRoute, fieldErrors } from '../route';
import { AppError } from '../../lib/errors';
import { page, toPage } from '../schemas/common';
import { listAudit } from '../../db/platform/audit';
import { AuditQuery, AuditRecord, Invoice, Module, ModuleParams, UpdateModule, UsageQuery } from './schemas';

function toModule(module: ModuleName, row?: TenantModuleRow): z.infer<typeof Module> {
  const price = MODULE_PRICES[module];
  const plan = row?.plan ?? 'standard';
  return {
    module,
    name: price.label,
    enabled: row?.enabled ?? false,
    plan,
    rollout_percent: row?.rollout_percent ?? 100,
    base_fee_minor:
      plan === 'enterprise' && price.enterpriseMinor !== undefined ? price.enterpriseMinor : price.baseMinor,
    settings: row?.settings ?? {},
  };
}

/** Settings are checked against the module's own schema; what is stored is what was sent, defaults unapplied. */
function assertModuleSettings(schema: z.ZodType | undefined, settings: Record<string, unknown>): void {
  const parsed = (schema ?? NO_SETTINGS).safeParse(settings);
  if (!parsed.success) {
    throw new AppError(400, 'validation_failed', 'The module settings are not valid', {
      errors: fieldErrors('body.settings', parsed.error),
    });
  }
}

/** A module that declares no settings takes none. */
const NO_SETTINGS = z.strictObject({});

export function platformRoutes(deps: RouterDeps): void {
  const tags = ['Platform'];

  defineRoute(deps, {
    method: 'get',
    path: '/api/modules',
    summary: 'The twelve add-on modules and which the tenant has enabled',
    tags,
    access: { scope: 'read' },
    responses: { 200: { description: 'Modules', schema: z.object({ items: z.array(Module) }) } },
    handler: async ({ tx }) => {
      const rows = new Map((await listModules(tx)).map((r) => [r.module, r]));
      return { body: { items: MODULES.map((m) => toModule(m, rows.get(m))) } };
    },
  });

  defineRoute(deps, {
    method: 'put',
    path: '/api/modules/{module}',
    summary: 'Subscribe to, change the plan or rollout of, or disable a module',
    tags,
    access: { scope: 'admin' },
    params: ModuleParams,
    body: UpdateModule,
    responses: { 200: { description: 'Module', schema: Module } },
    handler: async ({ tx, auth, params, body }) => {
      if (body.settings) assertModuleSettings(deps.moduleSettings.get(params.module), body.settings);
      const row = await changeModule(tx, auth.tenantId, params.module, { enabled: body.enabled ?? true, ...body });
      return { body: toModule(params.module, row) };
    },
  });

  defineRoute(deps, {
    method: 'get',
    path: '/api/billing/usage',
    summary: "The month's line items: base fees and metered usage",
    tags,
    access: { scope: 'read' },
    query: UsageQuery,
    responses: { 200: { description: 'Invoice', schema: Invoice } },
    handler: async ({ tx, query }) => {
      const monthStart = new Date(`${query.month}-01T00:00:00Z`);
      const monthEnd = new Date(Date.UTC(monthStart.getUTCFullYear(), monthStart.getUTCMonth() + 1, 1));
      // A module is billed for a month it was enabled in at any point before the month ended.
      const subscribed = (await listModules(tx)).filter((m) => m.enabled && m.enabled_at < monthEnd);
      const invoice = buildInvoice(
        subscribed.map((m) => ({ module: m.module, plan: m.plan })),
        await usageForPeriod(tx, query.month),
      );
      return { body: { month: query.month, ...invoice } };
    },
  });

  defineRoute(deps, {
    method: 'get',
    path: '/api/audit',
    summary: 'The audit trail: who did what, when, with before and after',
    tags,
    access: { scope: 'admin' },
    query: AuditQuery,
    responses: { 200: { description: 'Audit records', schema: page(AuditRecord) } },
    handler: async ({ tx, query }) => {
      const rows = await listAudit(tx, query);
      return {
        body: {
          ...toPage(rows, query.limit),
          items: rows.map((r) => ({
            id: r.id,
            actor: { type: r.actor_type, id: r.actor_id },
            action: r.action,
            entity_type: r.entity_type,
            entity_id: r.entity_id,
            before: r.before,
            after: r.after,
            occurred_at: r.occurred_at.toISOString(),
          })),
        },
      };
    },
  });
}
