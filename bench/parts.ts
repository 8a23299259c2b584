import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';

/** One part of a module's benchmark: a file in bench/ run as its own process, with extra environment. */
export interface BenchPart {
  name: string;
  file: string;
  env?: Record<string, string>;
}

/** Runs one part and reads the JSON object it prints last. */
function runPart(part: BenchPart): Promise<Record<string, unknown>> {
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

/**
 * Runs a module's benchmark parts one after another (`only`: the names to run, from its `*_PARTS`
 * variable) and prints one JSON object: the headline keys `headline` picks, then each part's figures.
 */
export async function runBenchParts(
  bench: string,
  parts: readonly BenchPart[],
  only: string | undefined,
  headline: (pick: (part: string, key: string) => unknown) => Record<string, unknown>,
): Promise<void> {
  const names = only?.split(',');
  const figures: Record<string, unknown> = { bench, cpus: os.cpus().length };
  for (const part of parts.filter((p) => !names || names.includes(p.name))) {
    const result = await runPart(part);
    figures[part.name] = Object.fromEntries(
      Object.entries(result).filter(([key]) => !['bench', 'benchmark', 'cpus'].includes(key)),
    );
  }
  const pick = (part: string, key: string): unknown =>
    (figures[part] as Record<string, unknown> | undefined)?.[key] ?? null;
  console.log(JSON.stringify({ ...headline(pick), ...figures }));
}
