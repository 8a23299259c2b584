import { isModuleEnabled } from '../../db/platform/modules';
import { meterVirtualTicketRevenue } from '../../db/streaming/revenue';
import type { WorkerDeps } from '../deps';
import { defineTrigger, type Trigger } from '../platform/triggers';

export function createStreamsActivities(_deps: WorkerDeps) {
  return {};
}

export function streamsTriggers(_deps: WorkerDeps): Trigger[] {
  return [
    // The streaming revenue share is metered when a virtual ticket is paid for, in the order event's transaction.
    defineTrigger({
      name: 'streaming.revenue_share',
      on: ['order.created'],
      run: async (event, { tx }) => {
        if (!(await isModuleEnabled(tx, 'streaming', event.payload.event_id))) return;
        await meterVirtualTicketRevenue(tx, event.tenantId, event.payload.order_id);
      },
    }),
  ];
}
