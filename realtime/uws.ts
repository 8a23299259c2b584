import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type * as uWS from 'uWebSockets.js';

/**
 * Which uWebSockets.js build the realtime server runs on. The package in use
 * (@trufflesuite/uws-js-unofficial) has native binaries only up to Node 20's ABI and silently
 * swaps in a much slower JavaScript implementation on anything newer; @btc-vision/uwebsockets.js
 * has binaries for Node 20, 22, 24 and 25 but needs glibc >= 2.38. This tries the native builds in
 * turn and takes the JavaScript one only when told to.
 */

export type UwsModule = typeof uWS;

export interface UwsCandidate {
  /** What to call it in logs, /healthz and error messages. */
  build: string;
  /** Throws when the build does not load on this machine. */
  load(): UwsModule;
  /**
   * Whether an upgrade completed after an await may be corked. uWebSockets.js 20.5x can close a
   * socket upgraded that way right after `open` (uNetworking/uWebSockets#1928, fixed by #1929):
   * measured here with @btc-vision/uwebsockets.js 20.57.0 on Node 22 and 24, not on Node 20.
   * Uncorked, as its maintainer advises until then, it works but prints a warning per upgrade.
   */
  corkAsyncUpgrade: boolean;
}

export interface UwsRuntime {
  node: string;
  abi: string;
  platform: string;
  arch: string;
  /** Runtime glibc version; undefined off Linux and on musl. */
  glibc?: string;
}

export interface UwsChoice {
  uws: UwsModule;
  build: string;
  native: boolean;
  corkAsyncUpgrade: boolean;
  /** Native builds tried before this one, with why each did not load. */
  skipped: { build: string; reason: string }[];
}

export const FALLBACK_SETTING = 'REALTIME_ALLOW_JS_FALLBACK';
/** Node ABIs @btc-vision/uwebsockets.js ships binaries for (Node 20, 22, 24, 25). */
const BTC_VISION_ABIS = ['115', '127', '137', '141'];
const BTC_VISION_GLIBC = '2.38';

export class UwsUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UwsUnavailableError';
  }
}

/** @btc-vision's message opens with its generic support line; the dlopen cause after it is what helps. */
const reasonOf = (err: unknown): string => {
  const lines = (err instanceof Error ? err.message : String(err)).split('\n').filter((l) => l.trim());
  return (lines.find((l) => /GLIBC_|cannot open shared object|wrong ELF|invalid ELF/.test(l)) ?? lines[0] ?? '')
    .replace(/^Error: /, '')
    .trim();
};

const versionAtLeast = (have: string, want: string): boolean => {
  const [a, b] = [have, want].map((v) => v.split('.').map(Number));
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0);
  }
  return true;
};

/** What to install so a native build loads here. */
export function uwsRemedy(rt: UwsRuntime): string {
  const major = rt.node.replace(/^v/, '').split('.')[0];
  const install = `install the optional dependency @btc-vision/uwebsockets.js (\`npm ci\` does unless optional dependencies are omitted)`;
  if (!BTC_VISION_ABIS.includes(rt.abi)) {
    return `Node.js ${rt.node} has no native uWebSockets.js build: run Node.js 20, 22 or 24.`;
  }
  if (rt.platform === 'linux' && rt.glibc === undefined) {
    return 'No native uWebSockets.js build exists for musl (Alpine): run on a glibc-based system (e.g. Debian 13, node:22-trixie-slim).';
  }
  if (rt.glibc !== undefined && !versionAtLeast(rt.glibc, BTC_VISION_GLIBC)) {
    return major === '20'
      ? `Reinstall dependencies (\`npm ci\`): uWebSockets.js ships the Node 20 binary for ${rt.platform}-${rt.arch}.`
      : `On glibc ${rt.glibc} only Node.js 20 has a native build: run the realtime server on Node.js 20, or on a system ` +
          `with glibc >= ${BTC_VISION_GLIBC} (Debian 13, Ubuntu 24.04, node:22-trixie-slim) ${install}.`;
  }
  return `${install[0].toUpperCase()}${install.slice(1)}, or run Node.js 20.`;
}

/** Native builds in order, the first that loads wins; the JavaScript fallback only when allowed. */
export function chooseUws(opts: {
  native: readonly UwsCandidate[];
  fallback: UwsCandidate;
  allowJsFallback: boolean;
  runtime: () => UwsRuntime;
}): UwsChoice {
  const skipped: UwsChoice['skipped'] = [];
  for (const candidate of opts.native) {
    try {
      const uws = candidate.load();
      return { uws, build: candidate.build, native: true, corkAsyncUpgrade: candidate.corkAsyncUpgrade, skipped };
    } catch (err) {
      skipped.push({ build: candidate.build, reason: reasonOf(err) });
    }
  }
  if (opts.allowJsFallback) {
    const { fallback } = opts;
    return {
      uws: fallback.load(),
      build: fallback.build,
      native: false,
      corkAsyncUpgrade: fallback.corkAsyncUpgrade,
      skipped,
    };
  }
  const rt = opts.runtime();
  const where = `Node.js ${rt.node} (ABI ${rt.abi}), ${rt.platform}-${rt.arch}${rt.glibc ? `, glibc ${rt.glibc}` : ''}`;
  throw new UwsUnavailableError(
    [
      `realtime: no native uWebSockets.js build loads on ${where}.`,
      ...skipped.map((s) => `  ${s.build}: ${s.reason}`),
      uwsRemedy(rt),
      `To run on the JavaScript fallback anyway (far slower), set ${FALLBACK_SETTING}=true.`,
    ].join('\n'),
  );
}

function currentRuntime(): UwsRuntime {
  const report = process.report.getReport() as { header?: { glibcVersionRuntime?: string } };
  return {
    node: process.version,
    abi: process.versions.modules,
    platform: process.platform,
    arch: process.arch,
    glibc: report.header?.glibcVersionRuntime,
  };
}

// Native addons and optional packages load at run time, by a path only known then.
const requireAtRunTime = createRequire(__filename);

const packageVersion = (entry: string): string => {
  let dir = path.dirname(requireAtRunTime.resolve(entry));
  while (!fs.existsSync(path.join(dir, 'package.json'))) dir = path.dirname(dir);
  return (JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { version: string }).version;
};

const optionalVersion = (entry: string): string | undefined => {
  try {
    return packageVersion(entry);
  } catch {
    return undefined;
  }
};

/** The builds this project can use, most preferred first. */
export function uwsCandidates(): { native: UwsCandidate[]; fallback: UwsCandidate } {
  const prefix = `uws_${process.platform}_${process.arch}_`;
  const binary = `${prefix}${process.versions.modules}.node`;
  const uwsVersion = packageVersion('uWebSockets.js/package.json');
  const btcVersion = optionalVersion('@btc-vision/uwebsockets.js');
  return {
    native: [
      {
        // Its own index falls back to JavaScript with only a console warning: load the binary itself.
        build: `uWebSockets.js ${uwsVersion} native (${binary})`,
        corkAsyncUpgrade: true,
        load: () => {
          const dir = path.dirname(requireAtRunTime.resolve('uWebSockets.js/package.json'));
          const abis = fs
            .readdirSync(path.join(dir, 'binaries'))
            .filter((f) => f.startsWith(prefix))
            .map((f) => f.slice(prefix.length, -'.node'.length))
            .sort((a, b) => Number(a) - Number(b));
          if (!abis.includes(process.versions.modules)) {
            throw new Error(`no binary for ABI ${process.versions.modules} (it has ${abis.join(', ') || 'none'} here)`);
          }
          return requireAtRunTime(path.join(dir, 'binaries', binary)) as UwsModule;
        },
      },
      {
        build: `@btc-vision/uwebsockets.js${btcVersion ? ` ${btcVersion}` : ''} native`,
        corkAsyncUpgrade: false,
        load: () => {
          if (btcVersion === undefined) throw new Error('not installed');
          return requireAtRunTime('@btc-vision/uwebsockets.js') as UwsModule;
        },
      },
    ],
    fallback: {
      build: `uWebSockets.js ${uwsVersion} JavaScript fallback`,
      corkAsyncUpgrade: true,
      load: () => requireAtRunTime('uWebSockets.js/dist/index') as UwsModule,
    },
  };
}

export function loadUws(allowJsFallback: boolean): UwsChoice {
  return chooseUws({ ...uwsCandidates(), allowJsFallback, runtime: currentRuntime });
}
