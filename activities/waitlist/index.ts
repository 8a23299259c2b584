import { withTenant, type Db } from '../../db/connection';
import { appendAudit } from '../../db/platform/audit';
import { closeOffer } from '../../db/waitlist/offers';
import { getEntry, type WaitlistStatus } from '../../db/waitlist/entries';

export interface WaitlistActivityDeps {
  db: Db;
}

export function createWaitlistActivities({ db }: WaitlistActivityDeps) {
  return {
    /**
     * The purchase window closed: if the offer is still open, release its hold to the next entries
     * in line. An entry that bought or left meanwhile is left as it is, so a retry changes nothing.
     */
    async expireWaitlistOffer(input: {
      tenantId: string;
      entryId: number;
      workflowId: string;
    }): Promise<{ status: WaitlistStatus; nextEntryIds: number[] }> {
      return withTenant(db, input.tenantId, async (tx) => {
        const entry = await getEntry(tx, input.entryId, { lock: true });
        if (!entry || entry.status !== 'notified') return { status: entry?.status ?? 'cancelled', nextEntryIds: [] };
        const offers = await closeOffer(tx, input.tenantId, entry, 'expired');
        const nextEntryIds = offers.map((o) => o.entryId);
        await appendAudit(tx, input.tenantId, {
          actor: { type: 'workflow', id: input.workflowId },
          action: 'waitlist.offer_expired',
          entityType: 'waitlist_entry',
          entityId: entry.id,
          before: { status: 'notified', held_quantity: entry.held_quantity },
          after: { status: 'expired', offered_next: nextEntryIds },
        });
        return { status: 'expired' as const, nextEntryIds };
      });
    },
  };
}

export type WaitlistActivities = ReturnType<typeof createWaitlistActivities>;
