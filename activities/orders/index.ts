import { ApplicationFailure } from '@temporalio/common';
import { withTenant, type Db } from '../../db/connection';
import { closeOrder, fulfilOrder } from '../../db/orders';
import { AppError } from '../../lib/errors';

export interface OrderActivityDeps {
  db: Db;
}

/** Business rejections must not be retried: the order's state will not change by waiting. */
function asFailure(err: unknown): unknown {
  if (err instanceof AppError) return ApplicationFailure.nonRetryable(err.message, err.code);
  return err;
}

export function createOrderActivities({ db }: OrderActivityDeps) {
  return {
    async fulfilOrder(input: { tenantId: string; orderId: number; paymentReference?: string }): Promise<{ ticketIds: number[] }> {
      try {
        const tickets = await withTenant(db, input.tenantId, (tx) => fulfilOrder(tx, input.tenantId, input.orderId, input.paymentReference));
        return { ticketIds: tickets.map((t) => t.id) };
      } catch (err) {
        throw asFailure(err);
      }
    },

    async closeOrder(input: { tenantId: string; orderId: number; status: 'expired' | 'failed'; reason: string }): Promise<void> {
      try {
        await withTenant(db, input.tenantId, (tx) => closeOrder(tx, input.tenantId, input.orderId, input.status, input.reason));
      } catch (err) {
        throw asFailure(err);
      }
    },
  };
}

export type OrderActivities = ReturnType<typeof createOrderActivities>;
