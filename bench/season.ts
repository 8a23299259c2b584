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
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const PARTS = [
  { name: 'allocations', file: 'season-allocations.ts' },
  { name: 'renewals', file: 'season-renewals.ts' },
];

/** Runs one part and reads the JSON object it prints last. */
function runPart(file: string): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, file)], {
      env: process.env,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => {
      const start = out.lastIndexOf('\n{') + 1;
      if (code !== 0 || !out.slice(start).startsWith('{'))
        return reject(new Error(`bench ${file} exited ${code}:\n${out}`));
      resolve(JSON.parse(out.slice(start)) as Record<string, unknown>);
    });
  });
}

async function main(): Promise<void> {
  const only = process.env.SEASON_PARTS?.split(',');
  const figures: Record<string, unknown> = { bench: 'season', cpus: os.cpus().length };
  for (const part of PARTS.filter((p) => !only || only.includes(p.name))) {
    if (!fs.existsSync(path.join(__dirname, part.file))) {
      figures[part.name] = { missing: `bench/${part.file} is not there` };
      continue;
    }
    const result = await runPart(part.file);
    figures[part.name] = Object.fromEntries(
      Object.entries(result).filter(([key]) => !['bench', 'benchmark', 'cpus'].includes(key)),
    );
  }
  const pick = (part: string, key: string): unknown =>
    (figures[part] as Record<string, unknown> | undefined)?.[key] ?? null;
  console.log(
    JSON.stringify({
      allocate_s: pick('allocations', 'allocate_s'),
      renewals_1000_s: pick('renewals', 'renewals_1000_s'),
      double_sold_season_seats: pick('allocations', 'double_sold_season_seats'),
      ...figures,
    }),
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
