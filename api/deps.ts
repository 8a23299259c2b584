import type { Client } from '@temporalio/client';
import type { z } from 'zod';
import type { Db } from '../db/connection';
import type { ModuleName } from '../domain/platform/plans';
import type { Config } from '../lib/config';
import type { Logger } from '../lib/logger';
import type { PaymentProvider } from '../integrations/payments/provider';
import type { RouteDeps } from './route';

/** What the API process holds for its whole life and hands to every router. */
export interface ApiServices {
  config: Config;
  db: Db;
  temporal: Client;
  payments: PaymentProvider;
  logger: Logger;
}

export type RouterDeps = RouteDeps &
  ApiServices & {
    /** Each add-on's settings schema, from the module manifests. */
    moduleSettings: ReadonlyMap<ModuleName, z.ZodType>;
    /** The OpenAPI document of every registered route, built on first use. */
    openApiDocument(): object;
  };
