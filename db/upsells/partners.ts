import { randomBytes } from 'node:crypto';
import type { Tx } from '../connection';
import { conflict, notFound, unprocessable } from '../../lib/errors';

export interface PartnerSecret {
  secret: string;
  rotated_at: Date;
}

export async function getPartnerSecret(tx: Tx): Promise<PartnerSecret | undefined> {
  return tx<PartnerSecret>('upsell_partner_secrets').first('secret', 'rotated_at');
}

/** Issues the tenant's partner secret, replacing the previous one at once (callbacks signed with it stop verifying). */
export async function rotatePartnerSecret(tx: Tx, tenantId: string): Promise<PartnerSecret> {
  const secret = `upsec_${randomBytes(32).toString('base64url')}`;
  const [row] = (await tx('upsell_partner_secrets')
    .insert({ tenant_id: tenantId, secret, rotated_at: tx.fn.now() })
    .onConflict('tenant_id')
    .merge()
    .returning(['secret', 'rotated_at'])) as PartnerSecret[];
  return row;
}

export interface PartnerConversionInput {
  conversionId: string;
  offerId: string;
  amountMinor: number;
  currency: string;
  occurredAt?: Date;
}

export interface PartnerConversion {
  conversion_id: string;
  offer_id: string;
  product_id: number;
  revenue_minor: number;
  converted_at: Date;
}

const COLUMNS = [
  'partner_conversion_id as conversion_id',
  'offer_id',
  'product_id',
  'revenue_minor',
  'converted_at',
] as const;

async function byConversionId(tx: Tx, conversionId: string): Promise<PartnerConversion | undefined> {
  return tx('upsell_conversions')
    .where({ partner_conversion_id: conversionId })
    .first(...COLUMNS);
}

/**
 * A partner's report that a buyer it was sent converted: the offer's row in `upsell_conversions` becomes
 * converted with the partner's revenue, so reports count it. The partner's conversion id makes a repeated
 * callback a no-op answering the first result (`duplicate`); the update is guarded on the offer having no
 * partner conversion yet, so two concurrent callbacks record one.
 */
export async function recordPartnerConversion(
  tx: Tx,
  input: PartnerConversionInput,
): Promise<{ duplicate: boolean; conversion: PartnerConversion }> {
  const seen = await byConversionId(tx, input.conversionId);
  if (seen) {
    if (seen.offer_id !== input.offerId)
      throw conflict('conversion_id_reused', 'This conversion id was reported for another offer');
    return { duplicate: true, conversion: seen };
  }
  const offer = (await tx('upsell_conversions as c')
    .join('upsell_products as p', 'p.id', 'c.product_id')
    .where('c.offer_id', input.offerId)
    .first('c.id', 'c.partner_conversion_id', 'p.type', 'p.currency')) as
    { id: number; partner_conversion_id: string | null; type: string; currency: string } | undefined;
  if (!offer) throw notFound('Offer');
  if (offer.type !== 'external') throw unprocessable('not_a_partner_offer', 'The offer is not a partner offer');
  if (offer.currency.trim() !== input.currency)
    throw unprocessable('currency_mismatch', "The conversion's currency is not the partner offer's");
  const [row] = (await tx('upsell_conversions')
    .where({ id: offer.id })
    .whereNull('partner_conversion_id')
    .update({
      partner_conversion_id: input.conversionId,
      converted: true,
      converted_at: input.occurredAt ?? tx.fn.now(),
      revenue_minor: input.amountMinor,
    })
    .returning([...COLUMNS])) as PartnerConversion[];
  if (row) return { duplicate: false, conversion: row };
  const now = await byConversionId(tx, input.conversionId);
  if (now?.offer_id === input.offerId) return { duplicate: true, conversion: now };
  throw conflict('offer_already_converted', 'The partner already reported a conversion of this offer');
}
