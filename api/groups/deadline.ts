import type { GroupRow, loadGroupsSettings } from '../../db/groups/groups';
import { startIdempotent } from '../../lib/temporal';
import { groupBookingStart, groupBookingWorkflowType } from '../../workflows/groups/contract';
import type { RouterDeps } from '../deps';

/** Starts the group's deadline workflow from the tenant's settings, every duration scaled for tests. */
export async function startGroupDeadline(
  deps: RouterDeps,
  group: GroupRow,
  settings: Awaited<ReturnType<typeof loadGroupsSettings>>,
) {
  const scale = settings.deadline_time_scale;
  await startIdempotent(
    deps.temporal,
    groupBookingWorkflowType,
    groupBookingStart(deps.config.TEMPORAL_TASK_QUEUE, {
      tenantId: group.tenant_id,
      groupId: group.id,
      eventId: group.event_id,
      deadlineAt: (group.payment_deadline_at as Date).toISOString(),
      reminderOffsetsMs: settings.reminder_hours.map((h) => h * 3_600_000 * scale),
      graceMs: settings.grace_hours * 3_600_000 * scale,
    }),
  );
}
