import type { Knex } from 'knex';
import { enableTenantIsolation } from './rls';

/**
 * Partner offers, gate vouchers and unpaid add-ons. Each tenant has one partner secret (rotated through the API)
 * that signs the conversions partners report back; a reported conversion names its partner-side id so a repeated
 * callback counts once. A voucher keeps the scan that admitted it, so a scanner re-sending that scan hears the same
 * verdict. An add-on payment not completed by `expires_at` gives its units back.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table upsell_partner_secrets (
      tenant_id text primary key references tenants(id),
      secret text not null,
      rotated_at timestamptz not null default now()
    );

    alter table upsell_conversions add column partner_conversion_id text;
    create unique index upsell_conversions_partner on upsell_conversions (tenant_id, partner_conversion_id)
      where partner_conversion_id is not null;

    alter table upsell_vouchers add column redeemed_scan_id text;

    alter table upsell_payments add column expires_at timestamptz;
  `);
  await enableTenantIsolation(knex, 'upsell_partner_secrets');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    alter table upsell_payments drop column if exists expires_at;
    alter table upsell_vouchers drop column if exists redeemed_scan_id;
    drop index if exists upsell_conversions_partner;
    alter table upsell_conversions drop column if exists partner_conversion_id;
    drop table if exists upsell_partner_secrets;
  `);
}
