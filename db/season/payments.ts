import type { Tx } from '../connection';
import { emit } from '../platform/outbox';
import { conflict } from '../../lib/errors';

export const PAYMENT_KINDS = ['purchase', 'renewal', 'instalment', 'proration', 'manual'] as const;
export type PaymentKind = (typeof PAYMENT_KINDS)[number];
export type PaymentStatus = 'pending' | 'succeeded' | 'failed' | 'refunded';

export interface SeasonPaymentRow {
  id: number;
  tenant_id: string;
  subscription_id: number;
  kind: PaymentKind;
  /** Negative for a credit to the customer (a downgrade's proration). */
  amount_minor: number;
  currency: string;
  status: PaymentStatus;
  provider: 'stripe' | 'offline';
  provider_ref: string | null;
  attempt: number;
  failure_reason: string | null;
  created_at: Date;
}

export type NewPayment = Pick<SeasonPaymentRow, 'subscription_id' | 'kind' | 'amount_minor' | 'currency' | 'provider'> &
  Partial<Pick<SeasonPaymentRow, 'status' | 'provider_ref' | 'attempt' | 'failure_reason'>>;

const fromRow = (row: SeasonPaymentRow): SeasonPaymentRow => ({ ...row, currency: row.currency.trim() });

export async function insertPayment(tx: Tx, tenantId: string, input: NewPayment): Promise<SeasonPaymentRow> {
  const [row] = await tx<SeasonPaymentRow>('season_payments')
    .insert({ tenant_id: tenantId, ...input })
    .returning('*');
  return fromRow(row);
}

export async function listPayments(tx: Tx, subscriptionId: number): Promise<SeasonPaymentRow[]> {
  return (await tx<SeasonPaymentRow>('season_payments').where({ subscription_id: subscriptionId }).orderBy('id')).map(
    fromRow,
  );
}

export async function paymentByRef(
  tx: Tx,
  provider: 'stripe' | 'offline',
  ref: string,
): Promise<SeasonPaymentRow | undefined> {
  const row = await tx<SeasonPaymentRow>('season_payments').where({ provider, provider_ref: ref }).forUpdate().first();
  return row && fromRow(row);
}

/** The oldest pending payment of a kind not yet tied to a provider invoice (the first invoice of a Stripe subscription). */
export async function pendingUnreferenced(
  tx: Tx,
  subscriptionId: number,
  kinds: PaymentKind[],
): Promise<SeasonPaymentRow | undefined> {
  const row = await tx<SeasonPaymentRow>('season_payments')
    .where({ subscription_id: subscriptionId, status: 'pending' })
    .whereIn('kind', kinds)
    .whereNull('provider_ref')
    .orderBy('id')
    .forUpdate()
    .first();
  return row && fromRow(row);
}

export async function settlePayment(
  tx: Tx,
  id: number,
  patch: Pick<SeasonPaymentRow, 'status'> &
    Partial<Pick<SeasonPaymentRow, 'provider_ref' | 'failure_reason' | 'attempt'>>,
): Promise<SeasonPaymentRow> {
  const [row] = await tx<SeasonPaymentRow>('season_payments').where({ id }).update(patch).returning('*');
  return fromRow(row);
}

/** The oldest pending payment of this amount (of this kind, when given) a manual payment settles. */
export async function findPending(
  tx: Tx,
  subscriptionId: number,
  kind: PaymentKind | undefined,
  amountMinor: number,
): Promise<SeasonPaymentRow | undefined> {
  const q = tx<SeasonPaymentRow>('season_payments')
    .where({ subscription_id: subscriptionId, status: 'pending', amount_minor: amountMinor })
    .orderBy('id')
    .forUpdate()
    .first();
  if (kind) q.where({ kind });
  const row = await q;
  return row && fromRow(row);
}

/** Records that a provider event was applied; false when it already was (a repeated webhook). */
export async function claimProviderEvent(
  tx: Tx,
  tenantId: string,
  event: { provider: 'stripe'; id: string; type: string },
): Promise<boolean> {
  const rows = await tx('season_provider_events')
    .insert({ provider: event.provider, event_id: event.id, tenant_id: tenantId, type: event.type })
    .onConflict(['provider', 'event_id'])
    .ignore()
    .returning('event_id');
  return rows.length > 0;
}

/** Announces a payment's outcome (succeeded or failed); pending payments announce nothing. */
export async function announcePayment(tx: Tx, tenantId: string, p: SeasonPaymentRow): Promise<void> {
  if (p.status === 'succeeded')
    await emit(tx, tenantId, {
      type: 'season.payment_succeeded',
      aggregateType: 'season_subscription',
      aggregateId: p.subscription_id,
      payload: {
        payment_id: p.id,
        subscription_id: p.subscription_id,
        kind: p.kind,
        amount_minor: p.amount_minor,
        currency: p.currency,
        provider: p.provider,
      },
    });
  if (p.status === 'failed')
    await emit(tx, tenantId, {
      type: 'season.payment_failed',
      aggregateType: 'season_subscription',
      aggregateId: p.subscription_id,
      payload: {
        payment_id: p.id,
        subscription_id: p.subscription_id,
        kind: p.kind,
        amount_minor: p.amount_minor,
        currency: p.currency,
        failure_reason: p.failure_reason,
      },
    });
}

/**
 * Records a payment taken outside Usher: it settles the oldest matching pending payment, else is booked as
 * paid; 409 `duplicate_payment_reference` when its reference is already recorded. Announced either way.
 */
export async function recordManualPayment(
  tx: Tx,
  tenantId: string,
  sub: { id: number; currency: string },
  input: { kind?: PaymentKind; amount_minor: number; reference?: string | null },
): Promise<SeasonPaymentRow> {
  const ref = input.reference ?? null;
  if (ref && (await paymentByRef(tx, 'offline', ref)))
    throw conflict('duplicate_payment_reference', `A payment with reference ${ref} is already recorded`);
  const pending = await findPending(tx, sub.id, input.kind, input.amount_minor);
  const payment = pending
    ? await settlePayment(tx, pending.id, { status: 'succeeded', provider_ref: ref })
    : await insertPayment(tx, tenantId, {
        subscription_id: sub.id,
        kind: input.kind ?? 'manual',
        amount_minor: input.amount_minor,
        currency: sub.currency,
        provider: 'offline',
        provider_ref: ref,
        status: 'succeeded',
      });
  await announcePayment(tx, tenantId, payment);
  return payment;
}
