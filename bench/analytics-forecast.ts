/**
 * The forecast's part of `npm run bench:analytics`: the back-test on the demo history generator
 * with 200 past events (seed 2026), so the figures are the same on every machine.
 *
 *   npx tsx bench/analytics-forecast.ts
 */
import { backtest, type BacktestReport } from '../domain/analytics/backtest';
import { demoHistorySales } from '../scripts/demo-history';

export const BENCH_PAST_EVENTS = 200;

export async function forecastReport(pastEvents = BENCH_PAST_EVENTS): Promise<BacktestReport> {
  return backtest(demoHistorySales({ pastEvents, now: new Date('2026-12-01T00:00:00Z') }));
}

export async function forecastFigures(): Promise<{ mape_30d: number; interval_coverage: number }> {
  const report = await forecastReport();
  return { mape_30d: report.mape_30d ?? NaN, interval_coverage: report.interval_coverage ?? NaN };
}

if (require.main === module) {
  forecastReport()
    .then((r) => process.stdout.write(JSON.stringify(r, null, 2) + '\n'))
    .catch((err: unknown) => {
      process.stderr.write(`${String(err)}\n`);
      process.exit(1);
    });
}
