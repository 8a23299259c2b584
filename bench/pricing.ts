/**
 * `npm run bench:pricing`: the pricing module's figures, one JSON object. Each part runs as its own
 * process (and, but for the engine, with its own Postgres and Temporal):
 * - `rule_evals_per_s`: the pure engine on realistic rule sets (target ≥ 100,000), bench/pricing-engine.ts;
 * - `price_change_lag_ms`: p99 from a tier boundary to the new price being served by the events API
 *   (target ≤ 1,000), over `PRICING_LAG_TYPES` ticket types (default 20) × 3 boundaries, bench/pricing-lag.ts;
 * - `reprice_10k_s`: one demand sweep over `PRICING_REPRICE_TYPES` ticket types (default 10,000) with
 *   the proposal's demand rule, scaled to 10,000 (target ≤ 10), bench/pricing-reprice.ts.
 * `PRICING_PARTS=engine,lag` runs only some parts.
 */
import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';

interface Part {
  name: string;
  file: string;
  env: Record<string, string>;
}

const env = process.env;
const PARTS: Part[] = [
  { name: 'engine', file: 'pricing-engine.ts', env: {} },
  { name: 'lag', file: 'pricing-lag.ts', env: { LAG_TYPES: env.PRICING_LAG_TYPES ?? '20' } },
  { name: 'reprice', file: 'pricing-reprice.ts', env: { REPRICE_TYPES: env.PRICING_REPRICE_TYPES ?? '10000' } },
];

/** Runs one part and reads the JSON object it prints last. */
function runPart(part: Part): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, part.file)], {
      env: { ...process.env, ...part.env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => {
      const start = out.lastIndexOf('\n{', out.length - 2) + 1;
      if (code !== 0 || out[start] !== '{') return reject(new Error(`bench ${part.name} exited ${code}:\n${out}`));
      resolve(JSON.parse(out.slice(start)) as Record<string, unknown>);
    });
  });
}

async function main(): Promise<void> {
  const only = env.PRICING_PARTS?.split(',');
  const figures: Record<string, unknown> = { bench: 'pricing', cpus: os.cpus().length };
  for (const part of PARTS.filter((p) => !only || only.includes(p.name))) {
    const result = await runPart(part);
    figures[part.name] = Object.fromEntries(
      Object.entries(result).filter(([key]) => !['bench', 'benchmark', 'cpus'].includes(key)),
    );
  }
  const pick = (part: string, key: string): unknown => (figures[part] as Record<string, unknown> | undefined)?.[key];
  console.log(
    JSON.stringify({
      rule_evals_per_s: pick('engine', 'rule_evals_per_s'),
      price_change_lag_ms: pick('lag', 'price_change_lag_ms'),
      reprice_10k_s: pick('reprice', 'reprice_10k_s'),
      ...figures,
    }),
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
