import { demoTicketTypes, type DemoApi, type Page } from './api';

export const DEMO_GROUP = 'Acme GmbH office outing';
const SIZE = 12;
/** Members whose seats the leader pays (mixed mode); of the others, the first three pay their own share. */
const COVERED = 4;
const SELF_PAYING = 3;
const FIRST = ['Mila', 'Noah', 'Emma', 'Ben', 'Lina', 'Paul', 'Ida', 'Finn', 'Ella', 'Jonas', 'Mia', 'Leon'];

interface Member {
  id: number;
  email: string | null;
  covered_by_leader: boolean;
  paid: boolean;
}
interface Group {
  id: number;
  name: string;
  order_id: number | null;
  members: Member[];
}

/**
 * A group of twelve for the demo event: its leader, a bulk order from a CSV roster at the group price
 * (10% off from ten seats), the leader paying four seats, three members their own share, and five still
 * owing, so the deadline workflow (started by the bulk order, due in the tenant's payment_days) has
 * reminders ahead of it. Each step is skipped once done.
 */
export async function seedDemoGroups(api: DemoApi, eventId: number): Promise<{ groupId: number } | undefined> {
  const { general } = await demoTicketTypes(api, eventId);
  if (!general) return undefined;
  const leader = await api.customer('alan@example.com', 'Alan Turing');
  const groups = (await api.get<Page<{ id: number; name: string }>>(`/api/groups/groups?event_id=${eventId}&limit=100`))
    .items;
  let group: Group =
    (await loadGroup(api, groups.find((g) => g.name === DEMO_GROUP)?.id)) ??
    (await api.post<Group>('/api/groups/groups', {
      event_id: eventId,
      name: DEMO_GROUP,
      seats: [{ ticket_type_id: general.id, quantity: SIZE }],
      payment_mode: 'mixed',
      leader_customer_id: leader,
    }));

  const roster = FIRST.map((first) => ({ name: `${first} Acme`, email: `${first.toLowerCase()}@acme.example` }));
  if (group.order_id === null)
    group = (
      await api.post<{ group: Group }>(`/api/groups/groups/${group.id}/orders`, {
        roster_csv: ['name,email,ticket_type', ...roster.map((m) => `${m.name},${m.email},${general.id}`)].join('\n'),
        covered_by_leader: roster.slice(0, COVERED).map((m) => m.email),
      })
    ).group;

  const payments = (await api.get<Page<unknown>>(`/api/groups/groups/${group.id}/payments`)).items;
  if (!payments.length) {
    const covered = group.members.filter((m) => m.covered_by_leader && !m.paid).map((m) => m.id);
    if (covered.length)
      await api.post(`/api/groups/groups/${group.id}/payments`, { member_ids: covered, payer: 'leader' });
    const own = group.members.filter((m) => !m.covered_by_leader && !m.paid).slice(0, SELF_PAYING);
    for (const m of own)
      await api.post(`/api/groups/groups/${group.id}/payments`, { member_ids: [m.id], payer: 'member' });
  }
  return { groupId: group.id };
}

async function loadGroup(api: DemoApi, id: number | undefined): Promise<Group | undefined> {
  return id === undefined ? undefined : api.get<Group>(`/api/groups/groups/${id}`);
}
