import { withTenant, type Db } from '../../db/connection';
import { closeOrder, fulfilOrder } from '../../db/orders/fulfilment';
import { getOrder } from '../../db/orders/orders';
import { activityFailure } from '../../lib/errors';
import { appendAudit } from '../../db/platform/audit';
import { orderFulfilmentWorkflowId } from '../../workflows/orders/contract';

export interface OrderActivityDeps {
  db: Db;
}

export function createOrderActivities({ db }: OrderActivityDeps) {
  return {
    async fulfilOrder(input: {
      tenantId: string;
      orderId: number;
      paymentReference?: string;
    }): Promise<{ ticketIds: number[] }> {
      try {
        const tickets = await withTenant(db, input.tenantId, (tx) =>
          fulfilOrder(tx, input.tenantId, input.orderId, input.paymentReference),
        );
        return { ticketIds: tickets.map((t) => t.id) };
      } catch (err) {
        throw activityFailure(err);
      }
    },

    async closeOrder(input: {
      tenantId: string;
      orderId: number;
      status: 'expired' | 'failed';
      reason: string;
    }): Promise<void> {
      try {
        await withTenant(db, input.tenantId, async (tx) => {
          const before = await getOrder(tx, input.orderId);
          const order = await closeOrder(tx, input.tenantId, input.orderId, input.status, input.reason);
          if (before?.status !== order.status) {
            await appendAudit(tx, input.tenantId, {
              actor: { type: 'workflow', id: orderFulfilmentWorkflowId(input.tenantId, input.orderId) },
              action: `order.${input.status}`,
              entityType: 'orders',
              entityId: input.orderId,
              before: { status: before?.status },
              after: { status: order.status, reason: input.reason },
            });
          }
        });
      } catch (err) {
        throw activityFailure(err);
      }
    },
  };
}

export type OrderActivities = ReturnType<typeof createOrderActivities>;
