import type { Knex } from 'knex';

/**
 * Destination charges and bundle vouchers. An add-on payment made through the tenant's Stripe connected
 * account keeps the account and the application fee the platform took from it, so its settlement credits
 * that commission on the bill and its refunds take the money back from the account. Each voucher names the
 * product it admits to: the line's own product, or one of the components of the line's bundle.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    alter table upsell_payments
      add column destination_account text,
      add column application_fee_minor integer check (application_fee_minor >= 0);

    alter table upsell_vouchers add column product_id bigint references upsell_products(id);
    update upsell_vouchers v set product_id = l.product_id from upsell_order_lines l where l.id = v.line_id;
    alter table upsell_vouchers alter column product_id set not null;
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    alter table upsell_vouchers drop column if exists product_id;
    alter table upsell_payments drop column if exists application_fee_minor, drop column if exists destination_account;
  `);
}
