import type Koa from 'koa';
import { z } from 'zod';
import { withTenant } from '../../db/connection';
import { isModuleEnabled } from '../../db/platform/modules';
import { getPartnerSecret, recordPartnerConversion, rotatePartnerSecret } from '../../db/upsells/partners';
import { verifyWebhook } from '../../domain/webhooks/signature';
import { AppError } from '../../lib/errors';
import type { RouterDeps } from '../deps';
import { defineRoute, definePublicRoute, fieldErrors } from '../route';
import { Currency, MinorUnits, ProblemSchema, Timestamp } from '../schemas/common';

/** How far a callback's signed timestamp may be from now: older ones are refused, so a captured request cannot be replayed later. */
export const PARTNER_SIGNATURE_TOLERANCE_S = 300;

const PartnerSecret = z
  .object({
    secret: z.string().meta({ description: 'Signs partner callbacks; shown when issued, keep it with the partner' }),
    rotated_at: z.string(),
    header: z.literal('Usher-Signature').meta({ description: 'Where the partner sends `t=<unix s>,v1=<hex>`' }),
  })
  .meta({ id: 'UpsellPartnerSecret' });

const PartnerParams = z.object({
  tenant_id: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[\w-]+$/),
});

const PartnerConversionBody = z.strictObject({
  conversion_id: z
    .string()
    .min(1)
    .max(200)
    .regex(/^[\w.:-]+$/, 'letters, digits and . : _ -')
    .meta({ description: "The partner's own id of the conversion: reporting it again changes nothing" }),
  offer_id: z.string().min(1).max(100).meta({ description: 'The `usher_offer` the partner link carried' }),
  amount_minor: MinorUnits.meta({ description: 'Revenue of the conversion, in minor units' }),
  currency: Currency,
  occurred_at: Timestamp.optional(),
});

const PartnerConversion = z
  .object({
    conversion_id: z.string(),
    offer_id: z.string(),
    product_id: z.number().int(),
    revenue_minor: z.number().int(),
    converted_at: z.string(),
    duplicate: z.boolean().meta({ description: 'True when this conversion id had been reported already' }),
  })
  .meta({ id: 'UpsellPartnerConversion' });

const badSignature = (detail: string) => new AppError(401, 'invalid_signature', detail);

/** The `t=` of a signature header, to tell a stale timestamp from a wrong signature. */
const signedAt = (header: string): number => Number(/(?:^|,)t=(\d{1,12})(?:,|$)/.exec(header)?.[1] ?? NaN);

/**
 * Partner offers (`external` products): the tenant issues and rotates the secret its partners sign with,
 * and partners report conversions back by a callback signed over the raw body (`Usher-Signature`, the
 * same scheme as Usher's own webhooks: HMAC-SHA256 of `<t>.<body>`).
 */
export function partnerRoutes(deps: RouterDeps): void {
  defineRoute(deps, {
    method: 'post',
    path: '/api/upsells/partner-secret/rotate',
    summary: 'Issue a new partner callback secret; the previous one stops verifying at once',
    tags: ['upsells'],
    access: { scope: 'admin', module: 'upsells' },
    idempotent: true,
    responses: { 201: { description: 'The new secret', schema: PartnerSecret } },
    handler: async ({ tx, auth }) => {
      const row = await rotatePartnerSecret(tx, auth.tenantId);
      return {
        status: 201,
        body: { secret: row.secret, rotated_at: new Date(row.rotated_at).toISOString(), header: 'Usher-Signature' },
      };
    },
  });

  definePublicRoute(deps, {
    method: 'post',
    path: '/api/upsells/partners/{tenant_id}/conversions',
    summary: "A partner reports a conversion of a partner offer, signed with the tenant's partner secret",
    description:
      '`Usher-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">` keyed by the secret from ' +
      `\`POST /api/upsells/partner-secret/rotate\`; timestamps more than ${PARTNER_SIGNATURE_TOLERANCE_S} s away are refused. ` +
      'A conversion id already reported answers its first result with `duplicate: true`.',
    tags: ['upsells'],
    params: PartnerParams,
    body: PartnerConversionBody,
    responses: {
      200: { description: 'Recorded (or already recorded)', schema: PartnerConversion },
      400: { description: 'Malformed body', contentType: 'application/problem+json', schema: ProblemSchema },
      401: {
        description: '`invalid_signature` or `signature_expired`',
        contentType: 'application/problem+json',
        schema: ProblemSchema,
      },
      404: { description: 'Unknown offer', contentType: 'application/problem+json', schema: ProblemSchema },
    },
    handler: async (ctx: Koa.Context) => {
      const params = PartnerParams.safeParse(ctx.params);
      if (!params.success) throw badSignature('Unknown partner secret');
      const raw = (ctx.request as { rawBody?: string }).rawBody ?? '';
      const header = ctx.get('usher-signature');
      const nowS = Math.floor(Date.now() / 1000);
      const result = await withTenant(deps.db, params.data.tenant_id, async (tx) => {
        const secret = (await isModuleEnabled(tx, 'upsells')) ? await getPartnerSecret(tx) : undefined;
        if (!secret) throw badSignature('Unknown partner secret');
        if (Math.abs(nowS - signedAt(header)) > PARTNER_SIGNATURE_TOLERANCE_S)
          throw new AppError(401, 'signature_expired', 'The signed timestamp is missing or too far from now');
        if (!verifyWebhook(secret.secret, raw, header, nowS, PARTNER_SIGNATURE_TOLERANCE_S))
          throw badSignature('The signature does not match the body');
        const body = PartnerConversionBody.safeParse((ctx.request as { body?: unknown }).body);
        if (!body.success)
          throw new AppError(400, 'validation_failed', 'The request is not valid', {
            errors: fieldErrors('body', body.error),
          });
        return recordPartnerConversion(tx, {
          conversionId: body.data.conversion_id,
          offerId: body.data.offer_id,
          amountMinor: body.data.amount_minor,
          currency: body.data.currency,
          occurredAt: body.data.occurred_at ? new Date(body.data.occurred_at) : undefined,
        });
      });
      ctx.body = {
        ...result.conversion,
        product_id: Number(result.conversion.product_id),
        converted_at: new Date(result.conversion.converted_at).toISOString(),
        duplicate: result.duplicate,
      };
    },
  });
}
