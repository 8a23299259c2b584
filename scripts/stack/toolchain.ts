/**
 * The Temporal CLI and stripe-mock binaries for the local stack: found on the
 * machine or in the cache, or built with `go install`.
 *
 * Run directly (`npx tsx scripts/stack/toolchain.ts`) to pre-warm the cache:
 * it ensures both binaries the tests need and prints their paths as JSON
 * (`--mailpit` adds Mailpit, which only `npm start` uses).
 */
import fs from 'node:fs';
import path from 'node:path';
import { binDir, withLock } from './cache';
import { type Log, run } from './processes';

const noLog: Log = () => undefined;

interface BinarySpec {
  /** File name, on PATH and in the cache. */
  name: string;
  /** Environment variable that overrides everything. */
  envVar: string;
  /** `go install` target. */
  goPackage: string;
}

const TEMPORAL_CLI: BinarySpec = {
  name: 'temporal',
  envVar: 'TEMPORAL_CLI_PATH',
  // Later tags carry a replace directive, which `go install pkg@version` rejects.
  goPackage: 'github.com/temporalio/cli/cmd/temporal@v1.5.1',
};

const STRIPE_MOCK: BinarySpec = {
  name: 'stripe-mock',
  envVar: 'STRIPE_MOCK_PATH',
  goPackage: 'github.com/stripe/stripe-mock@v0.197.0',
};

const MAILPIT: BinarySpec = {
  name: 'mailpit',
  envVar: 'MAILPIT_PATH',
  goPackage: 'github.com/axllent/mailpit@v1.33.1',
};

/**
 * Finds or builds the Temporal CLI. Order: $TEMPORAL_CLI_PATH, PATH, cache,
 * `go install`.
 *
 * The SDK's ephemeral-server download (@temporalio/testing) is deliberately
 * not used: it only exposes "download and start a server", never the path of
 * the downloaded binary, and it needs internet access these machines lack.
 */
export function ensureTemporalCli(log: Log = noLog): Promise<string> {
  return ensureBinary(TEMPORAL_CLI, log);
}

/** Finds or builds stripe-mock. Order: $STRIPE_MOCK_PATH, PATH, cache, `go install`. */
export function ensureStripeMock(log: Log = noLog): Promise<string> {
  return ensureBinary(STRIPE_MOCK, log);
}

/** Finds or builds Mailpit (local SMTP receiver with a web UI). Order: $MAILPIT_PATH, PATH, cache, `go install`. */
export function ensureMailpit(log: Log = noLog): Promise<string> {
  return ensureBinary(MAILPIT, log);
}

async function ensureBinary(spec: BinarySpec, log: Log): Promise<string> {
  const say = (msg: string): void => log(`[${spec.name}] ${msg}`);

  const fromEnv = process.env[spec.envVar];
  if (fromEnv) {
    // An explicit setting that is wrong is an error, not something to paper over.
    if (!isExecutable(fromEnv)) throw new Error(`${spec.envVar}=${fromEnv} is not an executable file`);
    say(`using ${spec.envVar}=${fromEnv}`);
    return fromEnv;
  }
  say(`${spec.envVar} not set`);

  const onPath = findOnPath(spec.name);
  if (onPath) {
    say(`using ${onPath} from PATH`);
    return onPath;
  }
  say('not on PATH');

  const cached = path.join(binDir(), spec.name);
  if (isExecutable(cached)) {
    say(`using cached ${cached}`);
    return cached;
  }
  say(`no cached copy at ${cached}`);

  const go = findOnPath('go');
  if (!go) {
    throw new Error(
      `${spec.name} not found: set ${spec.envVar}, put it on PATH or at ${cached}, or install Go so it can be built`,
    );
  }
  return withLock(spec.name, say, async () => {
    // Someone else may have finished the build while we waited for the lock.
    if (isExecutable(cached)) {
      say(`using ${cached}, built by another process`);
      return cached;
    }
    await goInstall(go, spec, cached, say);
    return cached;
  });
}

async function goInstall(go: string, spec: BinarySpec, dest: string, say: Log): Promise<void> {
  // We hold the lock, so any staging directory left is from a killed build.
  const stagePrefix = `.build-${spec.name}-`;
  for (const entry of fs.readdirSync(binDir())) {
    if (entry.startsWith(stagePrefix)) fs.rmSync(path.join(binDir(), entry), { recursive: true, force: true });
  }
  // Build into a private directory and rename, so nobody ever sees a half-written binary.
  const stage = fs.mkdtempSync(path.join(binDir(), stagePrefix));
  const started = Date.now();
  say(`building with go install ${spec.goPackage} (takes minutes the first time)`);
  try {
    await run(go, ['install', '-ldflags=-s -w', spec.goPackage], {
      cwd: stage, // outside any go.mod, so the repository cannot influence the build
      env: { ...process.env, GOBIN: stage },
    });
    fs.renameSync(path.join(stage, spec.name), dest);
  } finally {
    fs.rmSync(stage, { recursive: true, force: true });
  }
  say(`built ${dest} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function findOnPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

if (require.main === module) {
  const log: Log = (msg) => console.error(msg);
  const mailpit = process.argv.includes('--mailpit') ? ensureMailpit(log) : Promise.resolve(undefined);
  Promise.all([ensureTemporalCli(log), ensureStripeMock(log), mailpit]).then(
    ([temporal, stripeMock, mailpitPath]) =>
      console.log(JSON.stringify({ temporal, stripeMock, mailpit: mailpitPath }, null, 2)),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
