import { z } from 'zod';

const Tag = z
  .string()
  .trim()
  .regex(/^[\p{L}\p{N}][\p{L}\p{N} _.:-]{0,63}$/u, 'letters, digits, space, _ . : - (at most 64)');

export const RuleActionSchema = z.discriminatedUnion('type', [
  z
    .strictObject({
      type: z.literal('email_alert'),
      to: z.array(z.email().max(254)).min(1).max(10).meta({ description: "The organiser's addresses to alert" }),
    })
    .meta({ description: 'E-mail the organiser the response (score, answers and customer)' }),
  z.strictObject({ type: z.literal('webhook_alert') }).meta({
    description: "Emit `survey.response_alert`, delivered to the tenant's webhook endpoints that subscribe to it",
  }),
  z
    .strictObject({ type: z.literal('crm_tag'), tag: Tag })
    .meta({ description: 'Tag the customer in the CRM (only when the tenant has the crm module)' }),
  z
    .strictObject({
      type: z.literal('request_review'),
      review_url: z
        .url({ protocol: /^https?$/ })
        .max(2000)
        .refine((u) => u.includes('{token}'), 'must contain {token}')
        .meta({
          description:
            "The tenant's review page, e.g. `https://shop.example/review?event={event_id}&token={token}`: `{token}` becomes a customer token for `POST /api/surveys/reviews` and `{event_id}` the event",
        }),
    })
    .meta({ description: 'E-mail the customer a link to review the event' }),
]);

export type RuleAction = z.output<typeof RuleActionSchema>;
export type RuleActionType = RuleAction['type'];

export interface RuleCondition {
  survey_id: number | null;
  nps_min: number | null;
  nps_max: number | null;
}

/** A rule applies to a response whose NPS score lies in its range (bounds inclusive) and, if it names one, of its survey. */
export function ruleMatches(rule: RuleCondition, response: { survey_id: number; nps_score: number | null }): boolean {
  if (response.nps_score === null) return false;
  if (rule.survey_id !== null && rule.survey_id !== response.survey_id) return false;
  if (rule.nps_min !== null && response.nps_score < rule.nps_min) return false;
  if (rule.nps_max !== null && response.nps_score > rule.nps_max) return false;
  return true;
}

/** How long a review request's customer token lasts unless the tenant's `review_link_ttl_days` says otherwise. */
export const DEFAULT_REVIEW_LINK_TTL_DAYS = 14;

/** The review link of a `request_review` action. */
export const reviewLink = (template: string, token: string, eventId: number | null): string =>
  template
    .replaceAll('{token}', encodeURIComponent(token))
    .replaceAll('{event_id}', eventId === null ? '' : String(eventId));
