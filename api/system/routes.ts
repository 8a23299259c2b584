import { z } from 'zod';
import type { RouterDeps } from '../deps';
import { definePublicRoute } from '../route';
import { eventDocs, fieldSummary, type EventDoc } from '../../domain/catalogue-docs';
import { groupBy } from '../../lib/group-by';
import { metricsRegistry } from './metrics';
import { ping } from '../../db/connection';

async function within<T>(ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('timed out')), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

export function systemRoutes(deps: RouterDeps): void {
  const tags = ['System'];
  definePublicRoute(deps, {
    method: 'get',
    path: '/healthz',
    summary: 'The process is alive',
    tags,
    responses: { 200: { description: 'Alive', schema: z.object({ status: z.literal('ok') }) } },
    handler: async (ctx) => {
      ctx.body = { status: 'ok' };
    },
  });

  definePublicRoute(deps, {
    method: 'get',
    path: '/readyz',
    summary: 'Postgres and Temporal are reachable',
    tags,
    responses: {
      200: { description: 'Ready', schema: z.object({ status: z.string(), checks: z.record(z.string(), z.string()) }) },
      503: { description: 'A dependency is unreachable' },
    },
    handler: async (ctx) => {
      const checks: Record<string, string> = {};
      await Promise.all([
        within(2000, ping(deps.db)).then(
          () => {
            checks.postgres = 'ok';
          },
          (e: Error) => {
            checks.postgres = e.message;
          },
        ),
        within(2000, deps.temporal.connection.workflowService.getSystemInfo({})).then(
          () => {
            checks.temporal = 'ok';
          },
          (e: Error) => {
            checks.temporal = e.message;
          },
        ),
      ]);
      const ok = Object.values(checks).every((v) => v === 'ok');
      ctx.status = ok ? 200 : 503;
      ctx.body = { status: ok ? 'ready' : 'unavailable', checks };
    },
  });

  definePublicRoute(deps, {
    method: 'get',
    path: '/metrics',
    summary: 'Prometheus metrics',
    tags,
    responses: { 200: { description: 'Metrics', contentType: 'text/plain' } },
    handler: async (ctx) => {
      ctx.type = metricsRegistry.contentType;
      ctx.body = await metricsRegistry.metrics();
    },
  });

  definePublicRoute(deps, {
    method: 'get',
    path: '/openapi.json',
    summary: 'This API described as OpenAPI 3.1',
    tags,
    responses: { 200: { description: 'OpenAPI document' } },
    handler: async (ctx) => {
      ctx.body = deps.openApiDocument();
    },
  });

  definePublicRoute(deps, {
    method: 'get',
    path: '/docs',
    summary: 'Human-readable API reference',
    tags,
    responses: { 200: { description: 'HTML page', contentType: 'text/html' } },
    handler: async (ctx) => {
      ctx.type = 'text/html';
      ctx.body = renderDocs(deps.openApiDocument() as OpenApiDoc);
    },
  });
}

interface OpenApiDoc {
  info: { title: string; version: string; description?: string };
  paths: Record<string, Record<string, { summary?: string; tags?: string[]; security?: unknown[] }>>;
}

const escape = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** A self-contained reference page (no CDN: the docs must work offline), grouped by tag. */
function renderDocs(doc: OpenApiDoc): string {
  const operations = Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.entries(ops).map(([method, op]) => ({ path, method, op })),
  );
  const byTag = groupBy(operations, ({ op }) => op.tags?.[0] ?? 'Other');
  const row = ({ path, method, op }: (typeof operations)[number]): string =>
    `<tr><td class="m ${method}">${method.toUpperCase()}</td><td><code>${escape(path)}</code></td><td>${escape(op.summary ?? '')}</td><td>${op.security?.length ? 'API key' : 'public'}</td></tr>`;
  const sections = [...byTag]
    .map(([tag, ops]) => `<h2>${escape(tag)}</h2><table>${ops.map(row).join('')}</table>`)
    .join('');
  return `<!doctype html><html><head><meta charset="utf-8"><title>${escape(doc.info.title)}</title>
<style>body{font:15px system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;width:100%}td{border-bottom:1px solid #eee;padding:.35em .5em;vertical-align:top}
.m{font-weight:600;width:4em}.get{color:#1565c0}.post{color:#2e7d32}.put,.patch{color:#ef6c00}.delete{color:#c62828}</style></head>
<body><h1>${escape(doc.info.title)} <small>${escape(doc.info.version)}</small></h1><p>${escape(doc.info.description ?? '')}</p>
<p>Machine-readable: <a href="/openapi.json">/openapi.json</a>. Errors are <code>application/problem+json</code> with a stable <code>code</code>.</p>${sections}${renderEvents()}</body></html>`;
}

/** Every catalogued domain event, generated from the catalogue so the webhook reference cannot go stale. */
function renderEvents(): string {
  const row = (e: EventDoc): string =>
    `<tr><td><code>${escape(e.type)}</code></td><td>${escape(e.doc)}${e.webhook ? '' : ' <em>Internal: not delivered to webhooks.</em>'}</td><td>${e.fields.map((f) => `<code>${escape(f.name)}</code>: ${escape(fieldSummary(f))}`).join('<br>')}</td></tr>`;
  return `<h2 id="events">Webhook events</h2><p>Each delivery is a signed POST of <code>{"id", "type", "created_at", "data"}</code>; <code>data</code> holds the payload fields below.</p>
<table>${eventDocs().map(row).join('')}</table>`;
}
