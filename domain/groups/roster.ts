import { parse } from 'csv-parse/sync';
import { z } from 'zod';

export interface RosterEntry {
  name: string;
  email: string;
  ticketTypeId: number;
}

export interface RosterRowError {
  /** 1-based data row (the header is row 0). */
  row: number;
  field: string;
  message: string;
}

const EmailSchema = z.email().max(254);

/**
 * Reads a roster CSV (header `name,email,ticket_type`; ticket_type is a ticket type's id or its exact name).
 * Every row is checked, so the caller sees all faults at once; a roster with any fault orders nothing.
 */
export function parseRosterCsv(
  csv: string,
  ticketTypes: ReadonlyMap<string, number>,
): { entries: RosterEntry[]; errors: RosterRowError[] } {
  let records: Record<string, string>[];
  try {
    records = parse(csv, {
      columns: (h: string[]) => h.map((c) => c.trim().toLowerCase()),
      skip_empty_lines: true,
      trim: true,
      bom: true,
    });
  } catch (err) {
    return { entries: [], errors: [{ row: 0, field: 'csv', message: (err as Error).message }] };
  }
  const errors: RosterRowError[] = [];
  const header = records.length ? Object.keys(records[0]) : [];
  for (const col of ['name', 'email', 'ticket_type'])
    if (records.length && !header.includes(col)) errors.push({ row: 0, field: col, message: `missing column ${col}` });
  if (!records.length) errors.push({ row: 0, field: 'csv', message: 'the roster has no rows' });
  if (errors.length) return { entries: [], errors };

  const entries: RosterEntry[] = [];
  const seen = new Set<string>();
  records.forEach((r, i) => {
    const row = i + 1;
    const name = r.name ?? '';
    const email = (r.email ?? '').toLowerCase();
    const ticketTypeId = ticketTypes.get(r.ticket_type ?? '');
    if (!name || name.length > 200) errors.push({ row, field: 'name', message: 'a name of 1 to 200 characters' });
    if (!EmailSchema.safeParse(email).success) errors.push({ row, field: 'email', message: 'not an e-mail address' });
    else if (seen.has(email)) errors.push({ row, field: 'email', message: 'this e-mail appears twice' });
    seen.add(email);
    if (ticketTypeId === undefined)
      errors.push({ row, field: 'ticket_type', message: `no ticket type "${r.ticket_type ?? ''}" in this event` });
    else entries.push({ name, email, ticketTypeId });
  });
  return { entries: errors.length ? [] : entries, errors };
}
