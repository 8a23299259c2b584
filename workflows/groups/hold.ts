import { proxyActivities, setHandler, sleep } from '@temporalio/workflow';
import type { GroupsActivities } from '../../activities/groups';
import { getGroupHoldStateQuery, type GroupHoldInput, type GroupHoldState } from './contract';

const steps = proxyActivities<GroupsActivities>({
  startToCloseTimeout: '1 minute',
  // The expiry locks the group and acts only on a group still held without an order: retrying is safe.
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

/**
 * A new group's hold: a durable timer until the hold ends, then its seats go back on sale unless the bulk order
 * came first (the step looks at the group under its lock, so an order racing the expiry wins or loses whole).
 */
export async function groupHoldWorkflow(input: GroupHoldInput): Promise<GroupHoldState> {
  const state: GroupHoldState = { status: 'holding', holdExpiresAt: input.holdExpiresAt, releasedMemberIds: [] };
  setHandler(getGroupHoldStateQuery, () => state);
  const left = Date.parse(input.holdExpiresAt) - Date.now();
  if (left > 0) await sleep(left);
  const released = await steps.groupsExpireHold({ tenantId: input.tenantId, groupId: input.groupId });
  state.status = released ? 'expired' : 'ordered';
  state.releasedMemberIds = released ?? [];
  return state;
}
