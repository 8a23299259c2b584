import { withTenant, createDb } from '../db/connection';
import { pastEventSales } from '../db/analytics/forecast';
import { backtest } from '../domain/analytics/backtest';
import type { PastEventSales } from '../domain/analytics/forecast';
import { loadConfig } from '../lib/config';
import { demoHistorySales } from './demo-history';

const USAGE = `Back-test of the analytics sales forecast: replays past events, forecasting each at
60/30/14/7/1 days before its start from the events that had ended by then, and prints JSON with
the mean absolute percentage error and 80% interval coverage per horizon.

  npm run analytics:backtest                          (the demo history generator, seed 2026)
  npm run analytics:backtest -- --events 200 --seed 7 (a larger generated history)
  npm run analytics:backtest -- --tenant t_demo       (a tenant's events in DATABASE_URL)
`;

function flags(args: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < args.length; i++) {
    const m = /^--([\w-]+)$/.exec(args[i]);
    if (!m || args[i + 1] === undefined) throw new Error(`Unexpected argument ${args[i]}\n\n${USAGE}`);
    out[m[1]] = args[++i];
  }
  return out;
}

async function tenantHistory(tenantId: string): Promise<PastEventSales[]> {
  const config = loadConfig();
  // The application role: row-level security keeps the read to this tenant's events.
  const db = createDb(config.appDatabaseUrl, 1);
  try {
    return await withTenant(db, tenantId, (tx) => pastEventSales(tx, new Date()));
  } finally {
    await db.destroy();
  }
}

async function main(): Promise<void> {
  const f = flags(process.argv.slice(2));
  const history = f.tenant
    ? await tenantHistory(f.tenant)
    : demoHistorySales({
        ...(f.events ? { pastEvents: Number(f.events) } : {}),
        ...(f.seed ? { seed: Number(f.seed) } : {}),
      });
  const report = backtest(history);
  process.stdout.write(
    JSON.stringify({ source: f.tenant ? `tenant ${f.tenant}` : 'demo history generator', ...report }, null, 2) + '\n',
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
