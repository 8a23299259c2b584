import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const ROOT = join(__dirname, '..', '..');

describe('clients/typescript/schema.d.ts', () => {
  it('is generated from the current /openapi.json (else run `npm run client:generate`)', async () => {
    // In a process of its own: openapi-typescript requires ES modules, which Node loads and Jest does not.
    const dir = mkdtempSync(join(tmpdir(), 'usher-client-'));
    try {
      const fresh = join(dir, 'schema.d.ts');
      await promisify(execFile)(process.execPath, ['--import', 'tsx', 'scripts/openapi.ts', 'client', fresh], {
        cwd: ROOT,
        timeout: 120_000,
      });
      const committed = readFileSync(join(ROOT, 'clients', 'typescript', 'schema.d.ts'), 'utf8');
      expect(committed === readFileSync(fresh, 'utf8')).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 150_000);
});
