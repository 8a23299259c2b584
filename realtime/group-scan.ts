import { withTenant, type Db } from '../db/connection';
import type { ScanInput } from '../db/checkin/scan-plan';
import { GROUP_CODE_PREFIX, groupTicketsAtGate } from '../db/groups/gate';
import type { ScanBatcher } from './batcher';
import { toVerdictMessage, type ScanVerdict } from './protocol';

/**
 * One group code at a gate that admits them (groups module): each of the group's tickets goes through the batcher
 * as a scan of its own, its id derived from the group scan's, so each ticket is admitted at most once, a ticket
 * already scanned on its own answers `already_checked_in` instead of counting again, and a re-sent group scan
 * replays. The answer is one verdict for the group scan with the tally; a code no gate admits is scanned as is.
 */
export async function scanGroupCode(db: Db, batcher: ScanBatcher, tenantId: string, scan: ScanInput) {
  const group = await withTenant(db, tenantId, (tx) => groupTicketsAtGate(tx, scan.code, scan.gateId));
  if (!group) return toVerdictMessage(await batcher.submit(tenantId, scan));
  const outcomes = await Promise.all(
    group.tickets.map((t) => batcher.submit(tenantId, { ...scan, scanId: `${scan.scanId}:${t.id}`, code: t.code })),
  );
  const count = (v: string) => outcomes.filter((o) => o.verdict === v).length;
  const admitted = count('success');
  const already = count('already_checked_in');
  const refused = outcomes.find((o) => o.verdict !== 'success' && o.verdict !== 'already_checked_in');
  const verdict: ScanVerdict = {
    type: 'verdict',
    scan_id: scan.scanId,
    verdict: admitted ? 'success' : already ? 'already_checked_in' : 'invalid',
    reason: admitted || already ? null : (refused?.reason ?? null),
    direction: scan.direction,
    gate_id: scan.gateId,
    ticket: null,
    first_admission: null,
    suspicious: outcomes.some((o) => o.suspicious),
    replayed: outcomes.every((o) => o.replayed),
    group: {
      id: group.groupId,
      tickets: outcomes.length,
      admitted,
      already_checked_in: already,
      refused: outcomes.length - admitted - already,
    },
  };
  return verdict;
}

/** Where the scanner socket sends a scan: a group code fans out over its tickets, any other goes to the batcher. */
export function submitScan(db: Db, batcher: ScanBatcher, tenantId: string, scan: ScanInput): Promise<ScanVerdict> {
  return scan.code.startsWith(GROUP_CODE_PREFIX)
    ? scanGroupCode(db, batcher, tenantId, scan)
    : batcher.submit(tenantId, scan).then(toVerdictMessage);
}
