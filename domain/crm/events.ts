import { z } from 'zod';

const id = z.number().int();
const customer = { customer_id: id };
const message = {
  message_id: id,
  customer_id: id,
  campaign_id: id.nullable().describe('the campaign that sent it, if any'),
  automation_id: id.nullable().describe('the automation that sent it, if any'),
};

/** The CRM module's domain events; spread into the catalogue (`domain/catalogue.ts`). */
export const crmEvents = {
  'crm.consent_changed': {
    doc: "A customer's marketing consent was granted or withdrawn (every change is kept in the consent ledger).",
    payload: z.object({
      ...customer,
      channel: z.string().describe('e.g. email'),
      granted: z.boolean(),
      source: z
        .string()
        .describe('where the change came from: checkout, preference_centre, unsubscribe_link, api, ...'),
    }),
  },
  'crm.segment_entered': {
    doc: 'A customer entered a segment (dynamic segments re-evaluate as their inputs change).',
    payload: z.object({ segment_id: id, ...customer }),
  },
  'crm.segment_exited': {
    doc: 'A customer left a dynamic segment.',
    payload: z.object({ segment_id: id, ...customer }),
  },
  'email.marketing_queued': {
    doc: 'Marketing e-mails were queued for the rate-limited CRM sender (it sends them once they are due).',
    payload: z.object({ message_ids: z.array(id) }),
  },
  'crm.email_sent': {
    doc: 'A marketing e-mail was accepted by the SMTP server.',
    payload: z.object(message),
  },
  'crm.email_opened': {
    doc: 'A marketing e-mail was opened (machine opens from privacy proxies are flagged, not counted for A/B tests).',
    payload: z.object({ ...message, machine: z.boolean().describe('opened by a privacy proxy, not a person') }),
  },
  'crm.email_clicked': {
    doc: 'A link in a marketing e-mail was clicked.',
    payload: z.object({ ...message, url: z.string() }),
  },
  'crm.email_bounced': {
    doc: 'A marketing e-mail bounced; a hard bounce suppresses the address.',
    payload: z.object({ ...message, hard: z.boolean() }),
  },
  'crm.email_complained': {
    doc: 'The recipient marked a marketing e-mail as spam; the address is suppressed.',
    payload: z.object(message),
  },
  'crm.unsubscribed': {
    doc: 'A customer unsubscribed from marketing e-mail (link, one-click List-Unsubscribe-Post or API).',
    payload: z.object({ ...customer, source: z.string() }),
  },
  'crm.campaign_started': {
    doc: 'A campaign started sending.',
    payload: z.object({ campaign_id: id, segment_id: id, recipients: z.number().int() }),
  },
  'crm.campaign_winner_chosen': {
    doc: "A campaign's A/B test chose its winning variant (or staff overrode it); the rest of the audience gets it.",
    payload: z.object({
      campaign_id: id,
      variant: z.string(),
      metric: z.string(),
      manual: z.boolean(),
      p_value: z.number().nullable(),
    }),
  },
  'crm.campaign_completed': {
    doc: 'A campaign finished sending.',
    payload: z.object({ campaign_id: id, sent: z.number().int(), suppressed: z.number().int() }),
  },
  'crm.automation_enrolled': {
    doc: 'A customer was enrolled in an automation (held-out customers are enrolled but sent nothing).',
    payload: z.object({ automation_id: id, enrolment_id: id, ...customer, holdout: z.boolean() }),
  },
  'crm.automation_exited': {
    doc: "A customer's automation enrolment ended: completed, a condition stopped it, or the customer unsubscribed or was erased.",
    payload: z.object({ automation_id: id, enrolment_id: id, ...customer, reason: z.string() }),
  },
  'crm.customer_tagged': {
    doc: 'An automation tagged a customer.',
    payload: z.object({ ...customer, tag: z.string(), automation_id: id.nullable() }),
  },
} as const satisfies Record<string, { doc: string; payload: z.ZodObject }>;

export const CRM_EVENT_TYPES = Object.keys(crmEvents) as (keyof typeof crmEvents)[];
