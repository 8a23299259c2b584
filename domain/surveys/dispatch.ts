import type { SurveysSettings } from './settings';

export const DEFAULT_DISPATCH_DELAY_S = 7200;
export const DEFAULT_REMINDER_AFTER_S = 3 * 86_400;
export const DEFAULT_RESPONSE_WINDOW_S = 14 * 86_400;

/** The waits of one survey send, in milliseconds, from the tenant's settings (tests pass seconds). */
export interface DispatchTimings {
  delayMs: number;
  /** Null: no reminder. Never after the survey closes. */
  reminderAfterMs: number | null;
  windowMs: number;
}

export function dispatchTimings(settings: Partial<SurveysSettings>): DispatchTimings {
  const windowS = settings.response_window_s ?? DEFAULT_RESPONSE_WINDOW_S;
  const reminderS = settings.reminder_after_s === undefined ? DEFAULT_REMINDER_AFTER_S : settings.reminder_after_s;
  return {
    delayMs: (settings.dispatch_delay_s ?? DEFAULT_DISPATCH_DELAY_S) * 1000,
    reminderAfterMs: reminderS === null || reminderS >= windowS ? null : reminderS * 1000,
    windowMs: windowS * 1000,
  };
}

export type Audience = 'attended' | 'no_shows';

/** The first e-mail, or the one reminder to those who have not responded. */
export type MailKind = 'invite' | 'reminder';

export interface CandidateSurvey {
  id: number;
  event_id: number | null;
  audience: Audience;
}

/**
 * The surveys an ended event sends: per audience, the event's own survey if it has one, else the
 * tenant-wide one (the newest), so nobody gets two survey e-mails for one event.
 */
export function surveysToSend(candidates: CandidateSurvey[], eventId: number): CandidateSurvey[] {
  const chosen: CandidateSurvey[] = [];
  for (const audience of ['attended', 'no_shows'] as const) {
    const of = candidates.filter((c) => c.audience === audience).sort((a, b) => b.id - a.id);
    const pick = of.find((c) => c.event_id === eventId) ?? of.find((c) => c.event_id === null);
    if (pick) chosen.push(pick);
  }
  return chosen;
}
