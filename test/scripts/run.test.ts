import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';

type Choose = (root: string, entry: string) => { mode: 'dist' | 'source'; file: string; stale?: boolean };
const { choose } = createRequire(__filename)('../../scripts/run.js') as { choose: Choose };

let root: string;
const write = (rel: string, text: string, mtimeS: number) => {
  const file = path.join(root, rel);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  fs.utimesSync(file, mtimeS, mtimeS);
};

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'usher-run-'));
  write('tsconfig.json', '{}', 1000);
  write('tsconfig.build.json', JSON.stringify({ include: ['api', 'lib'] }), 1000);
  write('api/main.ts', '', 1000);
  write('lib/config.ts', '', 1000);
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

describe('scripts/run.js', () => {
  it('runs the sources when nothing was built', () => {
    expect(choose(root, 'api/main')).toEqual({ mode: 'source', file: path.join(root, 'api/main.ts') });
  });

  it('runs dist/ when it is newer than every source', () => {
    write('dist/api/main.js', '', 2000);
    expect(choose(root, 'api/main')).toEqual({ mode: 'dist', file: path.join(root, 'dist/api/main.js') });
  });

  it('runs the sources, saying dist/ is stale, once any source or the build configuration changed after it', () => {
    write('dist/api/main.js', '', 2000);
    write('lib/config.ts', '', 3000); // not the entry itself: any file the build compiles
    expect(choose(root, 'api/main')).toMatchObject({ mode: 'source', stale: true });
    write('lib/config.ts', '', 1000);
    write('tsconfig.json', '{}', 3000);
    expect(choose(root, 'api/main')).toMatchObject({ mode: 'source', stale: true });
  });

  it('runs dist/ where there are no sources (the Docker image)', () => {
    fs.rmSync(path.join(root, 'tsconfig.build.json'));
    write('dist/api/main.js', '', 500);
    expect(choose(root, 'api/main')).toEqual({ mode: 'dist', file: path.join(root, 'dist/api/main.js') });
  });
});
