import type { z } from 'zod';
import type { Tx } from '../../db/connection';
import {
  eventsInScope,
  insertPackage,
  listPackages,
  loadPackage,
  updatePackage,
  type PackageRow,
} from '../../db/season/packages';
import { packageProblem } from '../../domain/season/packages';
import { purchasePrice } from '../../domain/season/proration';
import { unprocessable } from '../../lib/errors';
import type { RouterDeps } from '../deps';
import { defineRoute } from '../route';
import { IdParams, mapInOrder, page, toPage } from '../schemas/common';
import { CreatePackage, Package, PackagesQuery, UpdatePackage } from './packages-schemas';

/** A package as the API shows it, with its scope's events counted and what it costs to buy now. */
export async function packageView(tx: Tx, pkg: PackageRow, now = new Date()): Promise<z.infer<typeof Package>> {
  const events = await eventsInScope(tx, pkg, now);
  return {
    id: pkg.id,
    name: pkg.name,
    description: pkg.description,
    type: pkg.type,
    price_minor: pkg.price_minor,
    currency: pkg.currency,
    billing_cycle: pkg.billing_cycle,
    flex_credits: pkg.flex_credits,
    benefits: pkg.benefits,
    series_tag: pkg.series_tag,
    category: pkg.category,
    season_starts_at: pkg.season_starts_at.toISOString(),
    season_ends_at: pkg.season_ends_at.toISOString(),
    status: pkg.status,
    events_total: events.total,
    events_left: events.left,
    price_now_minor: purchasePrice({
      type: pkg.type,
      billingCycle: pkg.billing_cycle,
      priceMinor: pkg.price_minor,
      events,
    }),
    created_at: pkg.created_at.toISOString(),
    updated_at: pkg.updated_at.toISOString(),
  };
}

function assertConsistent(p: Parameters<typeof packageProblem>[0]): void {
  const problem = packageProblem(p);
  if (problem) throw unprocessable(problem.code, problem.message);
}

/** Season packages: full, flex, category and VIP passes with their price, billing cycle, scope and benefits. */
export function packagesRoutes(deps: RouterDeps): void {
  const tags = ['season'];
  const module = 'season' as const;

  defineRoute(deps, {
    method: 'post',
    path: '/api/season/packages',
    summary: 'Create a season package (bad benefits JSON answers 400 with the path of each fault)',
    tags,
    access: { scope: 'write', module },
    body: CreatePackage,
    idempotent: true,
    responses: { 201: { description: 'Created', schema: Package } },
    handler: async ({ tx, auth, body }) => {
      const input = { ...body, flex_credits: body.flex_credits ?? null, category: body.category ?? null };
      assertConsistent({
        ...input,
        season_starts_at: new Date(body.season_starts_at),
        season_ends_at: new Date(body.season_ends_at),
      });
      const pkg = await insertPackage(tx, auth.tenantId, input);
      return { status: 201, body: await packageView(tx, pkg) };
    },
  });

  defineRoute(deps, {
    method: 'get',
    path: '/api/season/packages',
    summary: "The tenant's season packages",
    tags,
    access: { scope: 'read', customer: true, module },
    query: PackagesQuery,
    responses: { 200: { description: 'Packages', schema: page(Package) } },
    handler: async ({ tx, query }) => {
      const rows = await listPackages(tx, query);
      return { body: { ...toPage(rows, query.limit), items: await mapInOrder(rows, (p) => packageView(tx, p)) } };
    },
  });

  defineRoute(deps, {
    method: 'get',
    path: '/api/season/packages/{id}',
    summary: 'A season package, with the events it covers counted and its price now',
    tags,
    access: { scope: 'read', customer: true, module },
    params: IdParams,
    responses: { 200: { description: 'Package', schema: Package } },
    handler: async ({ tx, params }) => ({ body: await packageView(tx, await loadPackage(tx, params.id)) }),
  });

  defineRoute(deps, {
    method: 'patch',
    path: '/api/season/packages/{id}',
    summary: 'Change a season package; existing subscriptions keep the price they paid',
    tags,
    access: { scope: 'write', module },
    params: IdParams,
    body: UpdatePackage,
    responses: { 200: { description: 'Updated', schema: Package } },
    handler: async ({ tx, params, body }) => {
      const pkg = await loadPackage(tx, params.id, true);
      assertConsistent({
        type: pkg.type,
        flex_credits: body.flex_credits !== undefined ? body.flex_credits : pkg.flex_credits,
        category: body.category !== undefined ? body.category : pkg.category,
        season_starts_at: body.season_starts_at ? new Date(body.season_starts_at) : pkg.season_starts_at,
        season_ends_at: body.season_ends_at ? new Date(body.season_ends_at) : pkg.season_ends_at,
      });
      return { body: await packageView(tx, await updatePackage(tx, pkg.id, body)) };
    },
  });
}
