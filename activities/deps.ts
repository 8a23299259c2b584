import type { Client } from '@temporalio/client';
import type { Db } from '../db/connection';
import type { Mailer } from '../integrations/mail/mailer';
import type { PaymentProvider } from '../integrations/payments/provider';
import type { Config } from '../lib/config';
import type { Logger } from '../lib/logger';

/** What activities and triggers are built over; tests pass the same shape with local stand-ins. */
export interface WorkerDeps {
  db: Db;
  config: Config;
  logger: Logger;
  temporal: Client;
  mailer: Mailer;
  payments: PaymentProvider;
}
