import type { Knex } from 'knex';

/**
 * A resale purchase is a saga (claim, charge, then hand over the ticket), so the listing is held for
 * its buyer between transactions: `purchase_claim` names the attempt (the charge and any refund are
 * keyed by it) and `claimed_until` lets a purchase that never finished stop blocking the listing.
 * The listing stays `active` while claimed, so nothing that reads listings changes.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    alter table resale_listings add column purchase_claim text, add column claimed_until timestamptz;
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('alter table resale_listings drop column purchase_claim, drop column claimed_until');
}
