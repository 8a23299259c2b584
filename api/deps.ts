import type { Client } from '@temporalio/client';
import type { Db } from '../db/connection';
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

export type RouterDeps = RouteDeps & ApiServices;
