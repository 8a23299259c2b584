import type { Knex } from 'knex';
import * as core from './0001_core';
import * as platform from './0002_platform';
import * as waitlistResale from './0004_waitlist_resale';
import * as wallet from './0005_wallet';
import * as refunds from './0006_refunds';
import * as webhooks from './0007_webhooks';
import * as insights from './0008_insights';
import * as checkin from './0003_checkin';
import * as checkinHotPath from './0009_checkin_hot_path';
import * as joinHotPath from './0010_join_hot_path';
import * as scanBatchGuard from './0011_scan_batch_guard';
import * as authenticateWithModule from './0012_authenticate_with_module';

interface Migration {
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
}

/** Listed here rather than read from disk so tsx, jest and a bundled build load them alike. */
const migrations: Record<string, Migration> = {
  '0001_core': core,
  '0002_platform': platform,
  '0004_waitlist_resale': waitlistResale,
  '0005_wallet': wallet,
  '0006_refunds': refunds,
  '0007_webhooks': webhooks,
  '0008_insights': insights,
  '0003_checkin': checkin,
  '0009_checkin_hot_path': checkinHotPath,
  '0010_join_hot_path': joinHotPath,
  '0011_scan_batch_guard': scanBatchGuard,
  '0012_authenticate_with_module': authenticateWithModule,
};

export const migrationSource: Knex.MigrationSource<string> = {
  getMigrations: async () => Object.keys(migrations).sort(),
  getMigrationName: (name) => name,
  getMigration: async (name) => migrations[name],
};
