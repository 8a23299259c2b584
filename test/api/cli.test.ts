import { runCli } from '../../scripts/cli';
import { createHarness, client, type Harness } from '../helpers/harness';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h.stop());

describe('operator CLI', () => {
  it('creates a tenant with an admin key that works, adds a scoped key, and revokes it', async () => {
    const created = (await runCli(['tenant', 'create', '--name', 'Acme Events'], h.config.DATABASE_URL)) as {
      tenant_id: string;
      api_key: string;
    };
    expect(created.tenant_id).toMatch(/^t_/);
    const admin = client(h.baseUrl, created.api_key);
    expect((await admin.get<{ name: string }>('/api/tenant')).body.name).toBe('Acme Events');

    const scanner = (await runCli(
      ['key', 'create', '--tenant', created.tenant_id, '--scopes', 'scanner', '--name', 'gate-1'],
      h.config.DATABASE_URL,
    )) as { id: number; api_key: string; scopes: string[] };
    expect(scanner.scopes).toEqual(['scanner']);
    expect((await client(h.baseUrl, scanner.api_key).get('/api/events')).status).toBe(403);
    await runCli(['key', 'revoke', '--tenant', created.tenant_id, '--id', String(scanner.id)], h.config.DATABASE_URL);
    expect((await client(h.baseUrl, scanner.api_key).get('/api/events')).status).toBe(401);

    const listed = (await runCli(['tenant', 'list'], h.config.DATABASE_URL)) as { id: string }[];
    expect(listed.map((t) => t.id)).toContain(created.tenant_id);
  });

  it('refuses unknown scopes and commands with a usage message', async () => {
    await expect(
      runCli(['key', 'create', '--tenant', 't_x', '--scopes', 'root'], h.config.DATABASE_URL),
    ).rejects.toThrow(/Unknown scope/);
    await expect(runCli(['tenant', 'explode'], h.config.DATABASE_URL)).rejects.toThrow(/Usher operator CLI/);
  });
});
