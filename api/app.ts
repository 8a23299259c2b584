import Koa from 'koa';
import Router from '@koa/router';
import { bodyParser } from '@koa/bodyparser';
import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import type { ApiServices, RouterDeps } from './deps';
import { errorMiddleware } from './middleware/errors';
import { AppError } from '../lib/errors';
import { httpDuration } from './system/metrics';
import { modules } from '../modules';
// --- native media server callback fast path (streaming) ---
import { nativeCallbackFastPath } from './streaming/native-callback';
// --- end native media server callback fast path (streaming) ---

export interface ApiApp {
  app: Koa;
  router: Router;
  openApiDocument(): object;
}

/** Composes the API: errors first, then timing, body parsing and every module's routes. */
export async function createApp(services: ApiServices): Promise<ApiApp> {
  const app = new Koa({ proxy: true });
  const router = new Router();
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'apiKey', {
    type: 'http',
    scheme: 'bearer',
    description: 'Tenant API key (usk_...)',
  });
  registry.registerComponent('securitySchemes', 'customerToken', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: 'Short-lived customer token minted by the tenant',
  });

  let document: object | undefined;
  const deps: RouterDeps = {
    ...services,
    router,
    registry,
    tokenSecret: services.config.TOKEN_SECRET,
    moduleSettings: new Map(modules.flatMap((m) => (m.addOn && m.settings ? [[m.addOn, m.settings] as const] : []))),
    openApiDocument: () =>
      (document ??= new OpenApiGeneratorV31(registry.definitions).generateDocument({
        openapi: '3.1.0',
        info: {
          title: 'Usher API',
          version: '0.1.0',
          description:
            'Add-on services for event ticketing: check-in, wallet passes, waitlist and resale, refunds, and more.',
          // package.json's UNLICENSED; SPDX names a licence it does not list `LicenseRef-<name>`.
          license: { name: 'Proprietary', identifier: 'LicenseRef-Proprietary' },
        },
        servers: [{ url: services.config.publicApiUrl }],
      })),
  };
  const registrars = await Promise.all(modules.map((m) => m.api?.()));
  for (const register of registrars) register?.(deps);

  app.use(errorMiddleware(services.logger));
  // --- native media server callback fast path (streaming) ---
  app.use(nativeCallbackFastPath(services));
  // --- end native media server callback fast path (streaming) ---
  app.use(async (ctx, next) => {
    const end = httpDuration.startTimer({ method: ctx.method });
    try {
      await next();
    } finally {
      const route = (ctx as { _matchedRoute?: string })._matchedRoute ?? 'unmatched';
      end({ route, status: String(ctx.status) });
      services.logger.debug({ method: ctx.method, path: ctx.path, status: ctx.status }, 'request');
    }
  });
  // Every route reads JSON: any other body is refused here rather than parsed as nothing.
  app.use(async (ctx, next) => {
    const hasBody = Boolean(ctx.request.length) || ctx.get('transfer-encoding') !== '';
    // RFC 8058 one-click unsubscribes are posted form-encoded by mail providers (the signed token decides).
    const oneClick =
      ctx.method === 'POST' && ctx.path.startsWith('/t/u/') && ctx.is('application/x-www-form-urlencoded');
    if (hasBody && !ctx.is('application/json') && !oneClick)
      throw new AppError(
        415,
        'unsupported_media_type',
        'The request body must be JSON (Content-Type: application/json)',
      );
    await next();
  });
  app.use(bodyParser({ enableTypes: ['json'], jsonLimit: '1mb', encoding: 'utf-8' }));
  app.use(router.routes());
  app.use(router.allowedMethods({ throw: true }));
  return { app, router, openApiDocument: deps.openApiDocument };
}
