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

// --- attendee questions and details (groups-roster) ---

/** One of the group's attendee questions: free text, a choice among options, or a yes/no. */
export const RosterQuestionSchema = z
  .strictObject({
    id: z
      .string()
      .regex(/^[a-z0-9_-]{1,40}$/)
      .meta({ description: 'Stable key of the answer (lower case, digits, - and _)', examples: ['diet'] }),
    label: z.string().min(1).max(200),
    type: z.enum(['text', 'choice', 'boolean']),
    required: z.boolean().default(false),
    options: z.array(z.string().min(1).max(100)).min(2).max(30).optional(),
  })
  .refine((q) => (q.type === 'choice') === (q.options !== undefined), {
    message: 'options are given exactly for a choice question',
    path: ['options'],
  });

export type RosterQuestion = z.output<typeof RosterQuestionSchema>;

export const RosterQuestionsSchema = z
  .array(RosterQuestionSchema)
  .max(30)
  .refine((qs) => new Set(qs.map((q) => q.id)).size === qs.length, 'question ids must differ');

export interface DetailsError {
  /** Relative to the answers object, e.g. `diet`. */
  question: string;
  message: string;
}

/**
 * Checks a member's answers against the group's questions: every required one answered, each of its type (a choice
 * among the options), nothing the group did not ask. All faults at once; the caller maps them to field paths.
 */
export function checkAnswers(questions: readonly RosterQuestion[], answers: Record<string, unknown>): DetailsError[] {
  const errors: DetailsError[] = [];
  const byId = new Map(questions.map((q) => [q.id, q]));
  for (const key of Object.keys(answers))
    if (!byId.has(key)) errors.push({ question: key, message: 'the group asks no such question' });
  for (const q of questions) {
    const a = answers[q.id];
    if (a === undefined || a === null || a === '') {
      if (q.required) errors.push({ question: q.id, message: 'an answer is required' });
      continue;
    }
    if (q.type === 'boolean' && typeof a !== 'boolean') errors.push({ question: q.id, message: 'true or false' });
    if (q.type === 'text' && (typeof a !== 'string' || a.length > 1000))
      errors.push({ question: q.id, message: 'text of at most 1000 characters' });
    if (q.type === 'choice' && !(typeof a === 'string' && q.options?.includes(a)))
      errors.push({ question: q.id, message: `one of: ${(q.options ?? []).join(', ')}` });
  }
  return errors;
}

/** Where a member stands on the roster, for the leader: invited, accepted, details complete, or released. */
export type DetailStatus = 'not_invited' | 'invited' | 'accepted' | 'completed' | 'released';

export function detailStatusOf(memberStatus: string): DetailStatus {
  return memberStatus === 'open' ? 'not_invited' : (memberStatus as DetailStatus);
}

/** Seats can be reassigned until the group's own cut-off, else until the event starts. */
export function reassignCutoff(group: { reassign_cutoff_at: Date | null }, eventStartsAt: Date): Date {
  return group.reassign_cutoff_at ?? eventStartsAt;
}
// --- end attendee questions and details (groups-roster) ---
