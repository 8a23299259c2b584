/** Who may watch what: the pure rules behind ticket-gated playback and chat. */

export const ATTENDANCE_MODES = ['in_person', 'virtual', 'both'] as const;
export type Attendance = (typeof ATTENDANCE_MODES)[number];

/** Replay stays open this long after a stream ends when the ticket type names no window of its own. */
export const DEFAULT_REPLAY_WINDOW_HOURS = 48;

/** Whether a ticket type lets its holder watch streams at all. */
export const admitsVirtually = (attendance: Attendance): boolean => attendance !== 'in_person';

/** When a ticket type's replay of an ended stream closes: its own window, or the tenant's default. */
export function replayClosesAt(endedAt: Date, windowHours: number | null, defaultHours: number): Date {
  return new Date(endedAt.getTime() + (windowHours ?? defaultHours) * 3_600_000);
}
