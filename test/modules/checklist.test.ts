import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { catalogue } from '../../domain/catalogue';
import type { ModuleManifest } from '../../modules/kit';
import { modules } from '../../modules';
import { createHarness, client, type Harness } from '../helpers/harness';
import { createTenantWithKey, type TenantFixture } from '../helpers/fixtures';
import { HISTORY_DIR } from '../helpers/histories';
import { operationsOf, type OpenApiDoc } from '../helpers/openapi';

const ROOT = path.resolve(__dirname, '..', '..');
interface Problem {
  code?: string;
  errors?: { path: string; code: string }[];
}
interface ModuleView {
  module: string;
  enabled: boolean;
  settings: Record<string, unknown>;
}

const byName: [string, ModuleManifest][] = modules.map((m) => [m.name, m]);
const withApi = byName.filter(([, m]) => m.api);
const withWorkflows = byName.filter(([, m]) => m.workflows);
const withSettings = byName.filter(([, m]) => m.addOn && m.settings);

/** The workflow type of every committed history, as the replay test reads them. */
function recordedWorkflowTypes(): Set<string> {
  const types = new Set<string>();
  for (const file of fs.readdirSync(HISTORY_DIR).filter((f) => f.endsWith('.json'))) {
    const history: unknown = JSON.parse(fs.readFileSync(path.join(HISTORY_DIR, file), 'utf8'));
    const name = (
      history as {
        events?: { workflowExecutionStartedEventAttributes?: { workflowType?: { name?: string } } }[];
      }
    ).events?.[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name;
    if (!name) throw new Error(`${file} does not start with a WorkflowExecutionStarted event`);
    types.add(name);
  }
  return types;
}

const isDirectory = (dir: string): boolean => fs.existsSync(dir) && fs.statSync(dir).isDirectory();

describe('module manifests', () => {
  it('lists modules under unique names and unique OpenAPI tags', () => {
    expect(modules.length).toBeGreaterThan(5);
    const names = modules.map((m) => m.name);
    const tags = modules.map((m) => m.tag);
    expect(names.filter((n, i) => names.indexOf(n) !== i)).toEqual([]);
    expect(tags.filter((n, i) => tags.indexOf(n) !== i)).toEqual([]);
  });

  it.each(byName)('%s: has one name in every layer (api/, activities/, workflows/ folders of that name)', (name, m) => {
    const missing: string[] = [];
    if (m.api && !isDirectory(path.join(ROOT, 'api', name))) missing.push(`api/${name}/`);
    if (m.worker && !isDirectory(path.join(ROOT, 'activities', name))) missing.push(`activities/${name}/`);
    if (m.workflows) {
      const dir = path.join(ROOT, 'workflows', name);
      if (!isDirectory(dir)) missing.push(`workflows/${name}/`);
      else if (path.relative(dir, m.workflows).startsWith('..'))
        missing.push(`workflows entry ${path.relative(ROOT, m.workflows)} outside workflows/${name}/`);
    }
    expect(missing).toEqual([]);
  });

  it.each(byName)('%s: emits only catalogued event types', (_name, m) => {
    expect(m.emits.filter((type) => !Object.hasOwn(catalogue, type))).toEqual([]);
  });

  it.each(withWorkflows)('%s: has a recorded history for each of its workflow types', async (_name, m) => {
    const recorded = recordedWorkflowTypes();
    const exported = Object.keys((await import(m.workflows as string)) as Record<string, unknown>);
    expect(exported.length).toBeGreaterThan(0);
    expect(exported.filter((w) => !recorded.has(w))).toEqual([]);
  });
});

describe('module routes and settings through the API', () => {
  let h: Harness;
  let t: TenantFixture;
  let doc: OpenApiDoc;
  /** Every operation of the document with its tags. */
  let operations: { route: string; tags: string[] }[];

  beforeAll(async () => {
    h = await createHarness();
    t = await createTenantWithKey(h, 'Module checklist');
    doc = (await client(h.baseUrl).get<OpenApiDoc>('/openapi.json')).body;
    operations = operationsOf(doc).map(({ path: p, method, op }) => ({ route: `${method} ${p}`, tags: op.tags ?? [] }));
  });
  afterAll(() => h?.stop());

  it('tags every operation of /openapi.json with exactly one tag, the tag of a module', () => {
    expect(operations.length).toBeGreaterThan(20);
    const moduleTags = new Set(modules.map((m) => m.tag));
    const orphans = operations.filter((o) => o.tags.length !== 1 || !moduleTags.has(o.tags[0]));
    expect(orphans.map((o) => `${o.route} tagged ${JSON.stringify(o.tags)}`)).toEqual([]);
  });

  it.each(withApi)('%s: its routes appear in /openapi.json under its tag', (_name, m) => {
    expect(operations.filter((o) => o.tags.includes(m.tag)).length).toBeGreaterThan(0);
  });

  async function storedModule(addOn: string): Promise<ModuleView> {
    const res = await t.api.get<{ items: ModuleView[] }>('/api/modules');
    expect(res.status).toBe(200);
    const found = res.body.items.find((i) => i.module === addOn);
    if (!found) throw new Error(`GET /api/modules lists no ${addOn}`);
    return found;
  }

  /** A known key of the settings and a value of the wrong type for it, as the module's own schema judges. */
  function wrongType(settings: z.ZodType<Record<string, unknown>>): { key: string; value: unknown } {
    if (!(settings instanceof z.ZodObject)) throw new Error('module settings must be an object schema');
    for (const key of Object.keys(settings.shape)) {
      for (const value of ['not of this type', 12345, true, ['x']]) {
        const parsed = settings.safeParse({ [key]: value });
        if (!parsed.success && parsed.error.issues.some((i) => i.code === 'invalid_type' && i.path[0] === key))
          return { key, value };
      }
    }
    throw new Error('module settings have no key a wrongly typed value is refused for');
  }

  it.each(withSettings)(
    '%s: PUT /api/modules/{addOn} refuses bad settings with 400 and keeps the stored ones; accepts {}',
    async (_name, m) => {
      const addOn = m.addOn as string;
      const settings = m.settings as z.ZodType<Record<string, unknown>>;
      const before = await storedModule(addOn);
      const { key, value } = wrongType(settings);
      const bad: [string, Record<string, unknown>, string][] = [
        ['an unknown key', { definitely_not_a_setting: true }, 'body.settings'],
        [`a wrong type for ${key}`, { [key]: value }, `body.settings.${key}`],
      ];
      for (const [what, body, expectedPath] of bad) {
        const res = await t.api.put<Problem>(`/api/modules/${addOn}`, { settings: body });
        const paths = (res.body.errors ?? []).map((e) => e.path);
        expect({ what, status: res.status, code: res.body.code }).toEqual({
          what,
          status: 400,
          code: 'validation_failed',
        });
        expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
        expect(paths.length).toBeGreaterThan(0);
        expect(paths.filter((p) => !p.startsWith('body.settings'))).toEqual([]);
        expect(paths).toContain(expectedPath);
      }
      expect(await storedModule(addOn)).toEqual(before);

      const ok = await t.api.put<ModuleView>(`/api/modules/${addOn}`, { settings: {} });
      expect([ok.status, ok.body.settings]).toEqual([200, {}]);
      expect((await storedModule(addOn)).settings).toEqual({});
    },
  );
});
