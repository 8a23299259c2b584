import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createUsherClient } from '../../clients/typescript';
import { createHarness, type Harness } from '../helpers/harness';
import { createTenantWithKey, type TenantFixture } from '../helpers/fixtures';

const run = promisify(execFile);
const ROOT = join(__dirname, '..', '..');

let h: Harness;
let t: TenantFixture;
beforeAll(async () => {
  h = await createHarness({ worker: true });
  t = await createTenantWithKey(h, 'Quick start tenant');
});
afterAll(() => h.stop());

describe('examples/client-quickstart.ts', () => {
  it('sells a ticket and checks it in through the generated client, run as a user runs it', async () => {
    const { stdout } = await run(
      process.execPath,
      ['--import', 'tsx', join(ROOT, 'examples', 'client-quickstart.ts'), h.baseUrl],
      { cwd: ROOT, env: { ...process.env, USHER_API_KEY: t.key }, timeout: 60_000 },
    );
    expect(stdout).toMatch(/^event \d+: Quick start concert, on_sale$/m);
    expect(stdout).toMatch(/^paid: ticket \d+, code \S+$/m);
    expect(stdout).toMatch(/^scan at gate \d+: success$/m);

    // Read back through the API: the tenant's one ticket is checked in, once, at the example's gate.
    const usher = createUsherClient(h.baseUrl, t.key);
    const { data: tickets } = await usher.GET('/api/tickets');
    expect(tickets?.items).toHaveLength(1);
    const [ticket] = tickets?.items ?? [];
    expect(stdout).toContain(`paid: ticket ${ticket.id}, code ${ticket.code}`);
    const { data: lookup } = await usher.GET('/api/checkin/ticket/{code}/lookup', {
      params: { path: { code: ticket.code } },
    });
    const gateId = Number(/^scan at gate (\d+):/m.exec(stdout)?.[1]);
    expect(lookup).toMatchObject({ checked_in: true, inside: true, first_admission: { gate_id: gateId } });
    expect(lookup?.scans.map((s) => [s.verdict, s.source])).toEqual([['success', 'http']]);
  }, 120_000);

  it('says what it needs when no API key is given', async () => {
    const env = { ...process.env };
    delete env.USHER_API_KEY;
    await expect(
      run(process.execPath, ['--import', 'tsx', join(ROOT, 'examples', 'client-quickstart.ts'), h.baseUrl], {
        cwd: ROOT,
        env,
      }),
    ).rejects.toMatchObject({ code: 2, stderr: expect.stringMatching(/USHER_API_KEY/) });
  }, 60_000);
});
