import { withTenant } from '../../db/connection';
import { askLeaderToPay, owedSeats, remindOwingMembers } from '../../db/groups/deadline';
import { announceCancelled, releaseUnpaidSeats, sharesToRefund } from '../../db/groups/payments';
import { completeShareRefund, openShareRefund } from '../../db/groups/share-refunds';
import { groupBookingWorkflowId } from '../../workflows/groups/contract';
import type { WorkerDeps } from '../deps';
import type { Trigger } from '../platform/triggers';

interface GroupRef {
  tenantId: string;
  groupId: number;
}

/** The steps of the group-booking deadline (workflows/groups/booking.ts), each idempotent. */
export function createPaymentsActivities({ db, payments }: WorkerDeps) {
  /**
   * Refunds one share through the refunds module (a saga): its request is opened and approved in one transaction
   * (tickets cancelled, seats back), the provider refunds the share's own payment outside any transaction under the
   * share's idempotency key, then the request is completed. Each part is idempotent. False if the provider refused.
   */
  const refundShare = async (tenantId: string, paymentId: number, reason: string, workflowId: string) => {
    const actor = { type: 'workflow' as const, id: workflowId };
    const opened = await withTenant(db, tenantId, (tx) => openShareRefund(tx, tenantId, paymentId, { reason, actor }));
    if (!opened) return false;
    const result = opened.provider && (await payments.refund(opened.provider));
    if (result?.status === 'failed') return false;
    await withTenant(db, tenantId, (tx) =>
      completeShareRefund(tx, tenantId, opened, { reference: result?.reference ?? null, workflowId }),
    );
    return true;
  };

  /** Refunds the shares that must go back, one request each; answers those refunded. */
  const refundDue = async (input: GroupRef & { cancelled: boolean; workflowId: string }): Promise<number[]> => {
    const due = await withTenant(db, input.tenantId, (tx) => sharesToRefund(tx, input.groupId, input.cancelled));
    const reason = input.cancelled ? 'group cancelled' : 'paid after the seat was released';
    const refunded: number[] = [];
    for (const p of due)
      if (await refundShare(input.tenantId, p.id, reason, input.workflowId)) refunded.push(Number(p.id));
    if (input.cancelled)
      await withTenant(db, input.tenantId, (tx) => announceCancelled(tx, input.tenantId, input.groupId, refunded));
    return refunded;
  };

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
     * Refunds shares paid after their seats were released (and, for a cancelled group, every paid share) through
     * the refunds module. Kept for the histories recorded before `groupsClose`.
     */
    async groupsRefundShares(input: GroupRef & { cancelled: boolean }): Promise<number[]> {
      return refundDue({ ...input, workflowId: groupBookingWorkflowId(input.tenantId, input.groupId) });
    },

    /** The end of a group's deadline in one step: the unpaid seats go back, then the shares due are refunded. */
    async groupsClose(
      input: GroupRef & { cancelled: boolean; workflowId: string },
    ): Promise<{ releasedMemberIds: number[]; refundedPaymentIds: number[] }> {
      const released = await withTenant(db, input.tenantId, (tx) =>
        releaseUnpaidSeats(tx, input.tenantId, input.groupId, input.cancelled ? 'cancelled' : 'deadline'),
      );
      return { releasedMemberIds: released.releasedMemberIds, refundedPaymentIds: await refundDue(input) };
    },
  };
}

export function paymentsTriggers(_deps: WorkerDeps): Trigger[] {
  return [];
}
