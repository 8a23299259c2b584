import Koa from 'koa';
import Router from '@koa/router';
import { bodyParser } from '@koa/bodyparser';
import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import type { ApiServices, RouterDeps } from './deps';
import { errorMiddleware } from './middleware/errors';
import { checkinRoutes } from './checkin/routes';
import { customerRoutes } from './customers/routes';
import { eventRoutes } from './events/routes';
import { orderRoutes } from './orders/routes';
import { platformRoutes } from './platform/routes';
import { resaleRoutes } from './resale/routes';
import { refundRoutes } from './refunds/routes';
import { stripeWebhookRoutes } from './orders/stripe-webhook';
import { httpDuration, systemRoutes } from './system/routes';
import { tenancyRoutes } from './tenancy/routes';
import { ticketRoutes } from './tickets/routes';
import { waitlistRoutes } from './waitlist/routes';
import { walletRoutes } from './wallet/routes';
import { webhookRoutes } from './webhooks/routes';
import { registerRealtimeDocs } from '../realtime/openapi';

export interface ApiApp {
  app: Koa;
  router: Router;
  openApiDocument(): object;
}

/** Composes the API: errors first, then timing, body parsing and every domain's routes. */
export function createApp(services: ApiServices): ApiApp {
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

  const deps: RouterDeps = { ...services, router, registry, tokenSecret: services.config.TOKEN_SECRET };
  let document: object | undefined;
  const openApiDocument = (): object => {
    document ??= new OpenApiGeneratorV31(registry.definitions).generateDocument({
      openapi: '3.1.0',
      info: {
        title: 'Usher API',
        version: '0.1.0',
        description:
          'Add-on services for event ticketing: check-in, wallet passes, waitlist and resale, refunds, and more.',
      },
      servers: [{ url: services.config.publicApiUrl }],
    });
    return document;
  };

  systemRoutes(deps, openApiDocument);
  tenancyRoutes(deps);
  platformRoutes(deps);
  eventRoutes(deps);
  customerRoutes(deps);
  orderRoutes(deps);
  stripeWebhookRoutes(deps);
  ticketRoutes(deps);
  waitlistRoutes(deps);
  resaleRoutes(deps);
  walletRoutes(deps);
  refundRoutes(deps);
  webhookRoutes(deps);
  checkinRoutes(deps);
  registerRealtimeDocs(registry);

  app.use(errorMiddleware(services.logger));
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
  app.use(bodyParser({ enableTypes: ['json'], jsonLimit: '1mb', encoding: 'utf-8' }));
  app.use(router.routes());
  app.use(router.allowedMethods({ throw: true }));
  return { app, router, openApiDocument };
}
