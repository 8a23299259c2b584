import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import Router from '@koa/router';
import { bodyParser } from '@koa/bodyparser';
import { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { defineRoute, RUN_ALONE } from '../../api/route';
import { errorMiddleware } from '../../api/middleware/errors';
import { createLogger } from '../../lib/logger';
import { unprocessable } from '../../lib/errors';
import { createHarness, client, type Harness } from '../helpers/harness';
import { createTenantWithKey, type TenantFixture } from '../helpers/fixtures';

/**
 * The group-commit route wrapper on its own: a route whose batch answers `via: batch` and whose
 * handler answers `via: alone`, so each request shows which path decided it.
 */
let h: Harness;
let t: TenantFixture;
let server: http.Server;
let api: ReturnType<typeof client>;
let baseUrl: string;

beforeAll(async () => {
  h = await createHarness();
  t = await createTenantWithKey(h);
  const router = new Router();
  const deps = {
    router,
    registry: new OpenAPIRegistry(),
    db: h.db,
    tokenSecret: h.config.TOKEN_SECRET,
    logger: createLogger('test', 'silent'),
  };
  defineRoute(deps, {
    method: 'post',
    path: '/api/test/notes',
    summary: 'A note',
    tags: ['Notes'],
    access: { scope: 'write' },
    idempotent: true,
    body: z.strictObject({ n: z.number().int(), mode: z.enum(['ok', 'refuse', 'alone', 'break', 'slow']) }),
    responses: { 201: { description: 'Noted' } },
    handler: async ({ body }) => {
      if (body.mode === 'refuse') throw unprocessable('refused', 'Refused alone');
      return { status: 201, body: { id: body.n, via: 'alone' } };
    },
    batch: {
      maxBatch: 100,
      maxInFlight: 1,
      prepare: ({ body }) => body,
      run: async (tx, tenantId, notes) => {
        // Each tenant's requests are decided in a transaction bound to that tenant alone.
        const [{ bound }] = (
          await tx.raw<{ rows: { bound: string }[] }>("select current_setting('app.tenant_id') as bound")
        ).rows;
        if (bound !== tenantId) throw new Error(`batch of ${tenantId} ran as ${bound}`);
        // A statement error aborts the transaction: the whole batch must then run alone.
        if (notes.some((n) => n.mode === 'break')) await tx.raw('select 1/0');
        // Holds the route's only lane, so the requests sent meanwhile gather into the next batch.
        if (notes.some((n) => n.mode === 'slow')) await tx.raw('select pg_sleep(0.3)');
        return notes.map((n) =>
          n.mode === 'refuse'
            ? unprocessable('refused', 'Refused in the batch')
            : n.mode === 'alone'
              ? RUN_ALONE
              : { status: 201, body: { id: n.n, via: 'batch' } },
        );
      },
    },
  });
  const app = new Koa();
  app.use(errorMiddleware(createLogger('test', 'silent')));
  app.use(bodyParser());
  app.use(router.routes());
  server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  api = client(baseUrl, t.key);
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await h.stop();
});

const audited = async (ids: number[]) =>
  (
    await h
      .owner('audit_log')
      .where({ tenant_id: t.tenantId, action: 'POST /api/test/notes' })
      .whereIn('entity_id', ids.map(String))
      .pluck('entity_id')
  )
    .map(Number)
    .sort((a, b) => a - b);
const post = (n: number, mode: string, key?: string) =>
  api.post<{ id: number; via: string; code: string }>(
    '/api/test/notes',
    { n, mode },
    key ? { 'idempotency-key': key } : {},
  );

/** Sends `requests` while a slow batch holds the lane, so they are decided as one batch. */
async function together<T>(requests: () => Promise<T>[]): Promise<T[]> {
  const slow = post(1, 'slow');
  await new Promise((resolve) => setTimeout(resolve, 100));
  const answers = await Promise.all(requests());
  expect((await slow).body.via).toBe('batch');
  return answers;
}

describe('group commit', () => {
  it('decides concurrent requests together, each with its own answer, audit row and idempotent replay', async () => {
    const res = await together(() => [
      ...Array.from({ length: 12 }, (_, i) => post(100 + i, 'ok', `note-${100 + i}`)),
      post(200, 'refuse', 'note-200'),
      post(201, 'alone'),
      post(202, 'nonsense'),
      api.post<{ id: number; via: string; code: string }>(
        '/api/test/notes',
        { n: 203, mode: 'ok' },
        { authorization: 'Bearer usk_unknown' },
      ),
    ]);
    expect(res.map((r) => [r.status, r.body.via ?? r.body.code])).toEqual([
      ...Array.from({ length: 12 }, () => [201, 'batch']),
      [422, 'refused'],
      [201, 'alone'],
      [400, 'validation_failed'],
      [401, 'invalid_credentials'],
    ]);
    expect(await audited([...Array.from({ length: 12 }, (_, i) => 100 + i), 200, 201, 202, 203])).toEqual([
      ...Array.from({ length: 12 }, (_, i) => 100 + i),
      201,
    ]);
    // The refused request's key was released: the same request is decided again, not replayed.
    expect(await h.owner('idempotency_keys').where({ tenant_id: t.tenantId, key: 'note-200' }).first()).toBeUndefined();
    const replay = await post(100, 'ok', 'note-100');
    expect([replay.status, replay.body.via, replay.headers.get('idempotent-replayed')]).toEqual([201, 'batch', 'true']);
  });

  it("decides each tenant's requests in a transaction of its own, invisible to the other", async () => {
    const other = await createTenantWithKey(h, 'Other tenant');
    const otherApi = client(baseUrl, other.key);
    const res = await together(() =>
      [0, 1, 2].flatMap((i) => [
        post(400 + i, 'ok'),
        otherApi.post<{ id: number; via: string; code: string }>('/api/test/notes', { n: 500 + i, mode: 'ok' }),
      ]),
    );
    expect(res.map((r) => [r.status, r.body.via])).toEqual(res.map(() => [201, 'batch']));
    const owners = await h
      .owner('audit_log')
      .where({ action: 'POST /api/test/notes' })
      .whereIn('entity_id', ['400', '401', '402', '500', '501', '502'])
      .orderBy('entity_id')
      .pluck('tenant_id');
    expect(owners).toEqual([t.tenantId, t.tenantId, t.tenantId, other.tenantId, other.tenantId, other.tenantId]);
  });

  it('runs every request of a batch that fails alone, and keeps nothing of the failed batch', async () => {
    const res = await together(() => [
      ...Array.from({ length: 8 }, (_, i) => post(300 + i, 'ok', `note-${300 + i}`)),
      post(308, 'break'),
    ]);
    expect(res.map((r) => [r.status, r.body.via])).toEqual(Array.from({ length: 9 }, () => [201, 'alone']));
    expect(await audited(Array.from({ length: 9 }, (_, i) => 300 + i))).toEqual(
      Array.from({ length: 9 }, (_, i) => 300 + i),
    );
    const keys = await h
      .owner('idempotency_keys')
      .where({ tenant_id: t.tenantId })
      .whereLike('key', 'note-30%')
      .whereNotNull('status_code')
      .pluck('key');
    expect(keys.sort()).toEqual(Array.from({ length: 8 }, (_, i) => `note-${300 + i}`));
  });
});
