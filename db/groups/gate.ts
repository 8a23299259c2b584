import type { Tx } from '../connection';

/** Every group's gate code starts so; ticket codes never do (their alphabet is upper case, without `_`). */
export const GROUP_CODE_PREFIX = 'grp_';

export interface GroupAtGate {
  groupId: number;
  tickets: { id: number; code: string }[];
}

/**
 * The tickets a group code admits at a gate: those issued for the group's seats that are not released, when the
 * gate is set to admit group codes and belongs to the group's event. Undefined otherwise (or when no seat has a
 * ticket yet), so the code is scanned like any other and answered `unknown_code`.
 */
export async function groupTicketsAtGate(tx: Tx, code: string, gateId: number): Promise<GroupAtGate | undefined> {
  const { rows } = await tx.raw<{ rows: { group_id: string; id: string; code: string }[] }>(
    `select g.id as group_id, t.id, t.code
       from groups g
       join checkin_gates gt on gt.id = ? and gt.event_id = g.event_id and gt.admits_group_codes
       join group_members m on m.group_id = g.id and m.status <> 'released' and m.ticket_id is not null
       join tickets t on t.id = m.ticket_id
      where g.gate_code = ?
      order by t.id`,
    [gateId, code],
  );
  if (!rows.length) return undefined;
  return { groupId: Number(rows[0].group_id), tickets: rows.map((r) => ({ id: Number(r.id), code: r.code })) };
}

export async function groupGateCode(tx: Tx, groupId: number): Promise<string | undefined> {
  return (await tx('groups').where({ id: groupId }).first('gate_code'))?.gate_code as string | undefined;
}
