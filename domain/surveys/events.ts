import { z } from 'zod';

/** The surveys module's domain events; spread into the catalogue (`domain/catalogue.ts`). Each part keeps its own section. */
export const surveysEvents = {
  // --- surveys, sending and responses (responses) ---
  'survey.response_submitted': {
    doc: 'A recipient (through the signed page or the one-click score) or an API caller submitted or edited a survey response; emitted on every submit and edit, with the current NPS score.',
    payload: z.object({
      survey_id: z.number().int(),
      response_id: z.number().int(),
      event_id: z.number().int().nullable().describe('null for a survey answered outside an event'),
      customer_id: z.number().int().nullable().describe('null for an anonymous API response'),
      nps_score: z
        .number()
        .int()
        .min(0)
        .max(10)
        .nullable()
        .describe('null when the survey has no NPS question or it is unanswered'),
    }),
  },
  // --- end responses ---
  // --- reviews, NPS and automation (feedback) ---
  'survey.review_submitted': {
    doc: 'A verified attendee (checked in at the event) left a review; it waits for moderation.',
    payload: z.object({
      review_id: z.number().int(),
      event_id: z.number().int(),
      customer_id: z.number().int(),
      rating: z.number().int().min(1).max(5),
    }),
  },
  'survey.review_moderated': {
    doc: 'The organiser approved or rejected a review (approved reviews are published), or sent it back to pending.',
    payload: z.object({
      review_id: z.number().int(),
      event_id: z.number().int(),
      from_status: z.enum(['pending', 'approved', 'rejected']),
      to_status: z.enum(['pending', 'approved', 'rejected']),
    }),
  },
  'survey.response_alert': {
    doc: "A response automation rule with a webhook alert matched a survey response (e.g. a detractor's score of 6 or less).",
    payload: z.object({
      rule_id: z.number().int(),
      survey_id: z.number().int(),
      response_id: z.number().int(),
      event_id: z.number().int().nullable(),
      customer_id: z.number().int().nullable(),
      nps_score: z.number().int().min(0).max(10),
      category: z.enum(['promoter', 'passive', 'detractor']).describe('9–10 promoter, 7–8 passive, 0–6 detractor'),
    }),
  },
  // --- end feedback ---
} as const satisfies Record<string, { doc: string; payload: z.ZodObject }>;

export const SURVEYS_EVENT_TYPES = Object.keys(surveysEvents) as (keyof typeof surveysEvents)[];
