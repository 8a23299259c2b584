import type { Tx } from '../connection';
import type { BillingCycle, PackageType } from '../../domain/season/packages';
import type { SeasonBenefits } from '../../domain/season/benefits';
import type { Share } from '../../domain/season/proration';
import { notFound } from '../../lib/errors';

export interface PackageRow {
  id: number;
  tenant_id: string;
  name: string;
  description: string | null;
  type: PackageType;
  price_minor: number;
  currency: string;
  billing_cycle: BillingCycle;
  flex_credits: number | null;
  benefits: SeasonBenefits;
  series_tag: string | null;
  category: string | null;
  season_starts_at: Date;
  season_ends_at: Date;
  status: 'active' | 'inactive';
  created_at: Date;
  updated_at: Date;
}

export interface PackageInput {
  name: string;
  description?: string | null;
  type: PackageType;
  price_minor: number;
  currency: string;
  billing_cycle: BillingCycle;
  flex_credits?: number | null;
  benefits?: SeasonBenefits;
  series_tag?: string | null;
  category?: string | null;
  season_starts_at: string;
  season_ends_at: string;
  status?: 'active' | 'inactive';
}

/** The columns as stored: benefits serialised, the char(3) currency trimmed on the way out. */
const toColumns = (input: Partial<PackageInput>) => ({
  ...input,
  ...(input.benefits !== undefined ? { benefits: JSON.stringify(input.benefits) } : {}),
});
const fromRow = (row: PackageRow): PackageRow => ({ ...row, currency: row.currency.trim() });

export async function insertPackage(tx: Tx, tenantId: string, input: PackageInput): Promise<PackageRow> {
  const [row] = await tx('season_packages')
    .insert({ tenant_id: tenantId, ...toColumns({ benefits: {}, ...input }) })
    .returning('*');
  return fromRow(row as PackageRow);
}

export async function getPackage(tx: Tx, id: number, forUpdate = false): Promise<PackageRow | undefined> {
  const q = tx<PackageRow>('season_packages').where({ id }).first();
  if (forUpdate) q.forUpdate();
  const row = await q;
  return row && fromRow(row);
}

/** The package, or 404 when this tenant has none by that id. */
export async function loadPackage(tx: Tx, id: number, forUpdate = false): Promise<PackageRow> {
  const pkg = await getPackage(tx, id, forUpdate);
  if (!pkg) throw notFound('Season package');
  return pkg;
}

export async function listPackages(
  tx: Tx,
  page: { limit: number; after?: number; status?: 'active' | 'inactive' },
): Promise<PackageRow[]> {
  const q = tx<PackageRow>('season_packages').orderBy('id').limit(page.limit);
  if (page.after) q.where('id', '>', page.after);
  if (page.status) q.where({ status: page.status });
  return (await q).map(fromRow);
}

export async function updatePackage(tx: Tx, id: number, patch: Partial<PackageInput>): Promise<PackageRow> {
  const [row] = await tx('season_packages')
    .where({ id })
    .update({ ...toColumns(patch), updated_at: tx.fn.now() })
    .returning('*');
  return fromRow(row as PackageRow);
}

/**
 * The events of a package's scope that are not cancelled (`total`) and those starting after `now` (`left`):
 * the same rule as `coversEvent`, as one statement.
 */
export async function eventsInScope(tx: Tx, pkg: PackageRow, now: Date): Promise<Share> {
  const q = tx('events')
    .whereNot({ status: 'cancelled' })
    .where('starts_at', '>=', pkg.season_starts_at)
    .where('starts_at', '<', pkg.season_ends_at);
  if (pkg.type === 'category') q.where({ category: pkg.category });
  else if (pkg.series_tag !== null) q.whereRaw('? = any(tags)', [pkg.series_tag]);
  const [row] = await q.select(
    tx.raw('count(*)::int as total'),
    tx.raw('(count(*) filter (where starts_at > ?))::int as left', [now]),
  );
  const { total, left } = row as { total: number; left: number };
  return { total, left };
}
