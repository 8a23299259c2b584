import { GroupsSettingsSchema } from '../domain/groups/settings';
import { GROUPS_EVENT_TYPES } from '../domain/groups/events';
import { defineModule } from './kit';

/**
 * Group booking: groups held for a leader, group pricing, bulk orders with CSV rosters, invitations and attendee details,
 * split payments with a durable deadline per group, the leader dashboard and group communications.
 */
export default defineModule({
  name: 'groups',
  tag: 'groups',
  addOn: 'groups',
  settings: GroupsSettingsSchema,
  emits: [
    ...GROUPS_EVENT_TYPES,
    // --- roster: a reassigned seat's ticket is transferred, a completed member's ticket renamed (groups-roster) ---
    'ticket.transferred',
    'ticket.updated',
    // --- end roster (groups-roster) ---
  ],
  api: async () => (await import('../api/groups/routes')).groupsRoutes,
  worker: async () => {
    const { createGroupsActivities, groupsTriggers } = await import('../activities/groups');
    return { activities: createGroupsActivities, triggers: groupsTriggers };
  },
  workflows: require.resolve('../workflows/groups'),
  migrations: {
    '0031_groups': () => import('../db/migrations/0031_groups'),
    '0032_groups_payments': () => import('../db/migrations/0032_groups_payments'),
    // --- roster migration (groups-roster) ---
    '0035_groups_roster': () => import('../db/migrations/0035_groups_roster'),
    // --- end roster migration (groups-roster) ---
    '0036_groups_gate': () => import('../db/migrations/0036_groups_gate'),
  },
});
