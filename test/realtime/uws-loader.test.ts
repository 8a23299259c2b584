import { createDb } from '../../db/connection';
import { createLogger } from '../../lib/logger';
import { startRealtimeServer } from '../../realtime/server';
import {
  chooseUws,
  loadUws,
  uwsCandidates,
  uwsRemedy,
  UwsUnavailableError,
  type UwsCandidate,
  type UwsModule,
  type UwsRuntime,
} from '../../realtime/uws';

const fakeModule = (name: string) => ({ name }) as unknown as UwsModule;

/** A candidate that records whether it was tried. */
function candidate(build: string, outcome: 'loads' | Error, corkAsyncUpgrade = true): UwsCandidate & { tried: number } {
  const c = {
    build,
    corkAsyncUpgrade,
    tried: 0,
    load: () => {
      c.tried++;
      if (outcome instanceof Error) throw outcome;
      return fakeModule(build);
    },
  };
  return c;
}

const node22OldGlibc: UwsRuntime = { node: 'v22.23.3', abi: '127', platform: 'linux', arch: 'x64', glibc: '2.36' };
const glibcError = new Error(
  'This version of uWS.js (v20.57.0) supports only Node.js versions 20, 22, 24 and 25 on (glibc) Linux.\n\n' +
    "Error: /lib/x86_64-linux-gnu/libc.so.6: version `GLIBC_2.38' not found (required by uws_linux_x64_127.node)",
);

describe('choosing a uWebSockets.js build', () => {
  it('takes the first native build that loads and tries no other', () => {
    const first = candidate('current native', 'loads');
    const second = candidate('btc native', 'loads');
    const fallback = candidate('js', 'loads');
    const choice = chooseUws({
      native: [first, second],
      fallback,
      allowJsFallback: true,
      runtime: () => node22OldGlibc,
    });
    expect(choice).toMatchObject({ build: 'current native', native: true, skipped: [] });
    expect(choice.uws).toEqual(fakeModule('current native'));
    expect([second.tried, fallback.tried]).toEqual([0, 0]);
  });

  it('moves on to the next native build and says why the first did not load', () => {
    const first = candidate('current native', new Error('no binary for ABI 127 (it has 93, 108, 115 here)'));
    const second = candidate('btc native', 'loads', false);
    const fallback = candidate('js', 'loads');
    const choice = chooseUws({
      native: [first, second],
      fallback,
      allowJsFallback: false,
      runtime: () => node22OldGlibc,
    });
    expect(choice).toMatchObject({
      build: 'btc native',
      native: true,
      corkAsyncUpgrade: false,
      skipped: [{ build: 'current native', reason: 'no binary for ABI 127 (it has 93, 108, 115 here)' }],
    });
    expect(fallback.tried).toBe(0);
  });

  it('refuses when no native build loads and the fallback is not allowed, saying what to install', () => {
    const fallback = candidate('js', 'loads');
    const attempt = () =>
      chooseUws({
        native: [candidate('current native', new Error('no binary for ABI 127')), candidate('btc native', glibcError)],
        fallback,
        allowJsFallback: false,
        runtime: () => node22OldGlibc,
      });
    expect(attempt).toThrow(UwsUnavailableError);
    let message = '';
    try {
      attempt();
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain('Node.js v22.23.3 (ABI 127), linux-x64, glibc 2.36');
    expect(message).toContain('current native: no binary for ABI 127');
    // The dlopen cause, not the package's generic support line.
    expect(message).toContain("btc native: /lib/x86_64-linux-gnu/libc.so.6: version `GLIBC_2.38' not found");
    expect(message).toContain('Node.js 20');
    expect(message).toContain('@btc-vision/uwebsockets.js');
    expect(message).toContain('REALTIME_ALLOW_JS_FALLBACK=true');
    expect(fallback.tried).toBe(0);
  });

  it('runs on the JavaScript fallback only when allowed, and says so', () => {
    const fallback = candidate('js', 'loads');
    const choice = chooseUws({
      native: [candidate('current native', new Error('no binary')), candidate('btc native', glibcError)],
      fallback,
      allowJsFallback: true,
      runtime: () => node22OldGlibc,
    });
    expect(choice).toMatchObject({ build: 'js', native: false });
    expect(choice.skipped.map((s) => s.build)).toEqual(['current native', 'btc native']);
  });
});

describe('what the refusal tells the user to install', () => {
  const rt = (over: Partial<UwsRuntime>): UwsRuntime => ({ ...node22OldGlibc, ...over });

  it('on glibc older than 2.38: Node 20, or a newer glibc with @btc-vision/uwebsockets.js', () => {
    const text = uwsRemedy(rt({}));
    expect(text).toMatch(/Node\.js 20/);
    expect(text).toMatch(/glibc >= 2\.38/);
    expect(text).toMatch(/@btc-vision\/uwebsockets\.js/);
  });
  it('on glibc 2.38 or newer: @btc-vision/uwebsockets.js', () => {
    expect(uwsRemedy(rt({ node: 'v24.1.0', abi: '137', glibc: '2.41' }))).toMatch(
      /^Install .*@btc-vision\/uwebsockets\.js/,
    );
    expect(uwsRemedy(rt({ platform: 'darwin', glibc: undefined }))).toMatch(/@btc-vision\/uwebsockets\.js/);
  });
  it('on a Node.js without any native build: a supported Node.js', () => {
    expect(uwsRemedy(rt({ node: 'v18.20.0', abi: '108' }))).toMatch(/run Node\.js 20, 22 or 24/);
  });
  it('on musl: a glibc-based system', () => {
    expect(uwsRemedy(rt({ glibc: undefined }))).toMatch(/musl/);
  });
});

describe('the builds this project knows', () => {
  it('tries the bundled binary, then @btc-vision/uwebsockets.js, and upgrades uncorked only on the latter', () => {
    const { native, fallback } = uwsCandidates();
    expect(native.map((c) => [c.build.split(' ')[0], c.corkAsyncUpgrade])).toEqual([
      ['uWebSockets.js', true],
      ['@btc-vision/uwebsockets.js', false],
    ]);
    expect(fallback.build).toMatch(/JavaScript fallback$/);
  });
});

// The machine CI runs this on: Node 20 (ABI 115) on Linux x64, where the bundled binary loads.
const onNode20 = process.versions.modules === '115' && process.platform === 'linux' && process.arch === 'x64';

(onNode20 ? describe : describe.skip)('on this machine (Node 20)', () => {
  it('loads the bundled native binary without being allowed the fallback', () => {
    const choice = loadUws(false);
    expect(choice.native).toBe(true);
    expect(choice.build).toMatch(/^uWebSockets\.js \S+ native \(uws_linux_x64_115\.node\)$/);
    expect(choice.uws.App.toString()).toContain('[native code]');
  });

  it('reports the build in the realtime server /healthz', async () => {
    // Nothing here queries: the pool never connects.
    const db = createDb('postgres://unused:unused@127.0.0.1:1/unused', 1);
    const server = await startRealtimeServer({ db, logger: createLogger('realtime', 'silent') }, 0);
    try {
      const health = (await (await fetch(`http://127.0.0.1:${server.port}/healthz`)).json()) as Record<string, unknown>;
      expect(health).toEqual({
        status: 'ok',
        uws: 'native',
        uws_build: expect.stringMatching(/^uWebSockets\.js \S+ native \(uws_linux_x64_115\.node\)$/),
      });
    } finally {
      await server.stop();
      await db.destroy();
    }
  });
});
