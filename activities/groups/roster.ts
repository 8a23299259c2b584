import { withTenant } from '../../db/connection';
import { getGroup } from '../../db/groups/groups';
import { sendInvitations } from '../../db/groups/roster-mail';
import { invitationUrls } from '../../domain/groups/links';
import type { WorkerDeps } from '../deps';

/** The roster's steps a workflow may take; each idempotent. */
export function createRosterActivities({ db, config }: WorkerDeps) {
  return {
    /**
     * E-mails every member who has not completed their attendee details a reminder with their invitation link, once
     * per `round` (e.g. the reminder's offset before the deadline). Returns how many members were reminded.
     */
    async groupsRemindIncompleteDetails(input: { tenantId: string; groupId: number; round: string }): Promise<number> {
      return withTenant(db, input.tenantId, async (tx) => {
        const group = await getGroup(tx, input.groupId, { lock: true });
        if (!group?.order_id || !['confirmed', 'completed'].includes(group.status)) return 0;
        const sent = await sendInvitations(tx, input.tenantId, group, {
          kind: 'reminder',
          round: input.round,
          linkFor: invitationUrls(config.TOKEN_SECRET, config.publicApiUrl, input.tenantId),
        });
        return sent.length;
      });
    },
  };
}
