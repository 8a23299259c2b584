import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createDb, withTenant } from '../db/connection';
import { migrate } from '../db/migrate';
import { createTenant } from '../db/tenants/tenants';
import { appDatabaseUrl } from '../lib/config';
import { startPostgres } from '../scripts/stack/postgres';
import { freePort } from '../scripts/stack/wait';
import { trackBatch } from '../api/analytics/tracking';
import { TrackItem } from '../api/analytics/tracking-schemas';
import { ingestTracking } from '../db/analytics/tracking';

async function main() {
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'usher-probe-'));
  fs.chmodSync(workDir, 0o755);
  const pg = await startPostgres({ dataDir: path.join(workDir, 'pg'), port: await freePort() });
  await migrate(pg.url, 'pw_probe');
  const owner = createDb(pg.url, 2);
  const app = createDb(appDatabaseUrl(pg.url, 'pw_probe'), 4);
  const tenant = await createTenant(owner, { name: 'p' });
  const CH = ['email', 'social', 'paid_search', 'direct', 'referral'];
  const types = ['page_view', 'event_view', 'event_view', 'add_to_cart', 'checkout_started'];
  const batchOf = (b: number) => Array.from({ length: 1000 }, (_, i) => {
    const n = b * 1000 + i;
    return { client_event_id: `i-${n}`, type: types[n % 5], anonymous_id: `v-${(n * 7919) % 50000}`, event_id: 1 + (n % 200),
      channel: CH[(n >> 3) % 5], price_minor: n % 3 ? 4500 : 12000,
      occurred_at: new Date(Date.now() - (n % 90) * 86400000 - (n % 3600) * 1000).toISOString() };
  });
  let t0 = performance.now();
  for (let b = 0; b < 20; b++) for (const it of batchOf(b)) TrackItem.safeParse(it);
  console.log('zod per 1000', (performance.now() - t0) / 20);
  t0 = performance.now();
  for (let b = 0; b < 20; b++) await withTenant(app, tenant.id, (tx) => trackBatch(tx, tenant.id, batchOf(b)));
  console.log('trackBatch per 1000', (performance.now() - t0) / 20);
  // SQL only
  const rows = (b: number) => batchOf(b).map((i) => ({ ...i, anonymous_id: i.anonymous_id, customer_id: null, ticket_type_id: null, utm_source: null, utm_medium: null, utm_campaign: null, referrer: null, country: null })) as never;
  t0 = performance.now();
  for (let b = 20; b < 40; b++) await withTenant(app, tenant.id, (tx) => ingestTracking(tx, tenant.id, rows(b)));
  console.log('sql per 1000', (performance.now() - t0) / 20);
  await withTenant(app, tenant.id, async (tx) => {
    const px = new Proxy(tx, { get(t, k) { if (k === 'raw') return (sql: string, b: unknown) => t.raw(sql.includes('with input') ? 'explain analyze ' + sql : sql, b as never); return Reflect.get(t, k); } });
    const r = await ingestTracking(px, tenant.id, rows(50));
    console.log((r as unknown as Record<string, string>[]).map((x) => x['QUERY PLAN']).join('\n'));
  });
  await app.destroy(); await owner.destroy(); await pg.stop();
  fs.rmSync(workDir, { recursive: true, force: true });
}
main().then(() => process.exit(0), (e) => { console.error(e); process.exit(1); });
