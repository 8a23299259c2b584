/**
 * `npm run bench:season`: the season module's figures, one JSON object. Each part runs as its own
 * process with its own stack:
 * - `allocate_s` (target ≤ 30) and `double_sold_season_seats` (must be 0): a 20-event season
 *   allocated to 20,000 subscribers, and an allocation racing single-ticket sales, bench/season-allocations.ts
 *   (`SEASON_EVENTS`, `SEASON_SUBSCRIBERS`, `SEASON_SALES`, `SEASON_SPARE` size it);
 * - `renewals_1000_s` (target ≤ 30 against stripe-mock): renewal workflows due at once, bench/season-renewals.ts
 *   (the renewals part's own bench, sized by its variables).
 * `SEASON_PARTS=allocations` runs only some parts.
 */
import { runBenchParts, type BenchPart } from './parts';

const PARTS: BenchPart[] = [
  { name: 'allocations', file: 'season-allocations.ts' },
  { name: 'renewals', file: 'season-renewals.ts' },
];

runBenchParts('season', PARTS, process.env.SEASON_PARTS, (pick) => ({
  allocate_s: pick('allocations', 'allocate_s'),
  renewals_1000_s: pick('renewals', 'renewals_1000_s'),
  double_sold_season_seats: pick('allocations', 'double_sold_season_seats'),
})).catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
