import type { Knex } from 'knex';
import { SCAN_BATCH_RERUN } from '../checkin/scan-statements';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    -- A scan batch written by one autocommitted statement ends in this check: raising rolls the
    -- whole statement back, so a batch whose tickets changed since they were read, or that would
    -- refuse an entry (an alert to raise with it), leaves nothing behind and is run again in a
    -- transaction.
    create function usher_scan_batch_check(stale boolean, refused boolean) returns boolean language plpgsql as $$
    begin
      if stale or refused then
        raise exception 'scan batch to be decided in a transaction (stale: %, refused: %)', stale, refused using errcode = '${SCAN_BATCH_RERUN}';
      end if;
      return true;
    end $$;
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop function usher_scan_batch_check(boolean, boolean)');
}
