#!/usr/bin/env node
// @ts-check
/**
 * `npm run api|worker|realtime|migrate|usher`: runs the compiled JavaScript in dist/ when it is there
 * and newer than every source file, else the TypeScript sources through tsx.
 *
 *   node scripts/run.js <process> [args...]
 *
 * Plain JavaScript so that running dist/ needs no TypeScript tooling. The process runs as a child;
 * Docker runs dist/ directly instead (see Dockerfile).
 */
'use strict';
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { pathToFileURL } = require('node:url');

const root = path.resolve(__dirname, '..');

/** Each process and its entry file, without extension, from the project root. */
const ENTRIES = {
  api: 'api/main',
  worker: 'worker',
  realtime: 'realtime/main',
  media: 'integrations/streaming/main',
  migrate: 'db/migrate',
  usher: 'scripts/cli',
};

/** Newest modification time (ms) of the .ts files under `dir`, or of `dir` itself when it is a file. */
function newestSource(dir) {
  let stat;
  try {
    stat = fs.statSync(dir);
  } catch {
    return 0;
  }
  if (!stat.isDirectory()) return dir.endsWith('.ts') || dir.endsWith('.json') ? stat.mtimeMs : 0;
  let newest = 0;
  for (const name of fs.readdirSync(dir)) {
    if (name === 'node_modules') continue;
    newest = Math.max(newest, newestSource(path.join(dir, name)));
  }
  return newest;
}

/**
 * What to run for `entry`: dist/<entry>.js when it exists and no source (the build's inputs and its
 * configuration) changed after it was written; otherwise the source, with why when dist/ is stale.
 * @param {string} projectRoot
 * @param {string} entry
 * @returns {{ mode: 'dist' | 'source', file: string, stale?: boolean }}
 */
function choose(projectRoot, entry) {
  const compiled = path.join(projectRoot, 'dist', `${entry}.js`);
  const source = path.join(projectRoot, `${entry}.ts`);
  let built;
  try {
    built = fs.statSync(compiled).mtimeMs;
  } catch {
    return { mode: 'source', file: source };
  }
  const configFile = path.join(projectRoot, 'tsconfig.build.json');
  if (!fs.existsSync(configFile)) return { mode: 'dist', file: compiled }; // an image without sources
  /** @type {{ include: string[] }} */
  const config = JSON.parse(fs.readFileSync(configFile, 'utf8'));
  const inputs = [...config.include, 'tsconfig.build.json', 'tsconfig.json'];
  const newest = Math.max(...inputs.map((p) => newestSource(path.join(projectRoot, p))));
  return newest > built ? { mode: 'source', file: source, stale: true } : { mode: 'dist', file: compiled };
}

function main() {
  const [name, ...args] = process.argv.slice(2);
  const entry = ENTRIES[/** @type {keyof typeof ENTRIES} */ (name)];
  if (!entry) {
    console.error(`usage: node scripts/run.js <${Object.keys(ENTRIES).join('|')}> [args...]`);
    process.exit(2);
  }
  const choice = choose(root, entry);
  if (choice.stale)
    console.error(`[usher] dist/ is older than the sources: running ${entry}.ts with tsx (npm run build)`);
  const tsx = pathToFileURL(require.resolve('tsx', { paths: [root] })).href;
  const nodeArgs = choice.mode === 'dist' ? [choice.file] : ['--import', tsx, choice.file];
  // Its own process group, so Ctrl-C reaches it once, from here, not also from the terminal
  // (npm passes the terminal's SIGINT on as well; the second is dropped below).
  const detached = process.platform !== 'win32';
  const child = spawn(process.execPath, [...nodeArgs, ...args], { cwd: root, stdio: 'inherit', detached });
  const forwarded = new Set();
  for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM', 'SIGHUP'])) {
    process.on(signal, () => {
      if (forwarded.has(signal)) return;
      forwarded.add(signal);
      child.kill(signal);
    });
  }
  // Should this launcher die some other way, its child goes with it.
  process.on('exit', () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  child.on('exit', (code, signal) => {
    process.exit(code ?? 128 + (signal ? os.constants.signals[signal] : 1));
  });
}

if (require.main === module) main();

module.exports = { choose, ENTRIES };
