import { withTenant } from '../../db/connection';
import { askLeaderToPay, owedSeats, remindOwingMembers } from '../../db/groups/deadline';
import { announceCancelled, markRefunded, releaseUnpaidSeats, sharesToRefund } from '../../db/groups/payments';
import type { WorkerDeps } from '../deps';
import type { Trigger } from '../platform/triggers';

interface GroupRef {
  tenantId: string;
  groupId: number;
}

/** The steps of the group-booking deadline (workflows/groups/booking.ts), each idempotent. */
export function createPaymentsActivities({ db, payments }: WorkerDeps) {
  return {
    async groupsOwing({ tenantId, groupId }: GroupRef): Promise<number> {
      return withTenant(db, tenantId, async (tx) => (await owedSeats(tx, groupId)).length);
    },

    async groupsRemindMembers(input: GroupRef & { offsetMs: number; deadlineAt: string }): Promise<number> {
      return withTenant(db, input.tenantId, (tx) => remindOwingMembers(tx, input.tenantId, input.groupId, input));
    },

    async groupsAskLeader(input: GroupRef & { graceEndsAt: string }): Promise<number> {
      return withTenant(db, input.tenantId, (tx) =>
        askLeaderToPay(tx, input.tenantId, input.groupId, input.graceEndsAt),
      );
    },

    async groupsReleaseUnpaid(input: GroupRef & { reason: 'deadline' | 'cancelled' }): Promise<number[]> {
      return withTenant(db, input.tenantId, async (tx) => {
        const { releasedMemberIds } = await releaseUnpaidSeats(tx, input.tenantId, input.groupId, input.reason);
        return releasedMemberIds;
      });
    },

    /**
     * Refunds shares paid after their seats were released (and, for a cancelled group, every paid share), each
     * outside any transaction with its own idempotency key, then marks it refunded.
     */
    async groupsRefundShares(input: GroupRef & { cancelled: boolean }): Promise<number[]> {
      const due = await withTenant(db, input.tenantId, (tx) => sharesToRefund(tx, input.groupId, input.cancelled));
      for (const p of due) {
        if (p.amount_minor > 0 && p.provider_ref)
          await payments.refund({
            reference: p.provider_ref,
            amountMinor: p.amount_minor,
            idempotencyKey: `group-refund-${input.tenantId}-${p.id}`,
            reason: input.cancelled ? 'group cancelled' : 'paid after the seat was released',
          });
        await withTenant(db, input.tenantId, (tx) => markRefunded(tx, p.id));
      }
      if (input.cancelled)
        await withTenant(db, input.tenantId, (tx) =>
          announceCancelled(
            tx,
            input.tenantId,
            input.groupId,
            due.map((p) => p.id),
          ),
        );
      return due.map((p) => p.id);
    },
  };
}

export function paymentsTriggers(_deps: WorkerDeps): Trigger[] {
  return [];
}
