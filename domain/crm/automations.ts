import { z } from 'zod';
import { isEventType } from '../catalogue';

/**
 * Automations: a trigger enrols customers, each enrolment then runs the automation's steps in order.
 *
 * Step semantics (kept deliberately linear):
 * - `email` queues one marketing e-mail from an e-mail template (held-out enrolments queue it as held out);
 * - `wait` holds the enrolment for a duration ("1 day", "7 days", "2 hours", or a number of seconds);
 * - `condition` re-evaluates a check at that moment and either continues to the next step or exits:
 *   `then` applies when the check is true, `else` when it is false. "If not purchased → e-mail
 *   reminder" is `{check: purchased_since_enrolment, then: exit, else: continue}` before the e-mail;
 * - `tag` adds a tag to the customer; `webhook` posts the enrolment to a URL (public hosts only).
 */

export const TRIGGER_TYPES = ['event', 'schedule', 'segment_entry', 'manual'] as const;
export type TriggerType = (typeof TRIGGER_TYPES)[number];
export const ACTION_TYPES = ['email', 'wait', 'condition', 'tag', 'webhook'] as const;
export type ActionType = (typeof ACTION_TYPES)[number];
export const AUTOMATION_STATUSES = ['active', 'paused', 'draft'] as const;
export type AutomationStatus = (typeof AUTOMATION_STATUSES)[number];

const reentry = z
  .boolean()
  .optional()
  .meta({ description: 'Whether a customer may be enrolled again once a previous enrolment ended (default false)' });

const FilterValue = z.union([z.string().max(200), z.number(), z.boolean()]);

export const EventTriggerConfig = z.strictObject({
  event_type: z
    .string()
    .max(100)
    .refine(isEventType, 'a catalogued event type, e.g. order.created or event.ended')
    .meta({ description: 'Any catalogued domain event type' }),
  filter: z
    .record(z.string().regex(/^[a-z_]{1,50}$/, 'a payload field name'), FilterValue)
    .optional()
    .refine((f) => f === undefined || Object.keys(f).length <= 10, 'at most 10 fields')
    .meta({ description: 'Payload fields that must equal these values, e.g. {"event_id": 12}' }),
  no_purchase_for: z
    .strictObject({ days: z.number().positive().max(3650) })
    .optional()
    .meta({
      description:
        'Win-back: enrol when this many days pass after the event (an order) without another one; event_type must be order.created',
    }),
  reentry,
});

const Hour = z.number().int().min(0).max(23);
export const ScheduleTriggerConfig = z.strictObject({
  kind: z.enum(['birthday', 'anniversary', 'every']).meta({
    description:
      'birthday: on the customer birthday; anniversary: on the anniversary of their first purchase; every: every day/week/month',
  }),
  every: z.enum(['day', 'week', 'month']).optional().meta({ description: 'For kind every' }),
  at_hour: Hour.optional().meta({ description: 'Hour of the day (UTC) the run happens (default 9)' }),
  reentry,
});

export const SegmentEntryTriggerConfig = z.strictObject({
  segment_id: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
  reentry,
});

export const ManualTriggerConfig = z.strictObject({ reentry });

export const triggerConfigSchemas = {
  event: EventTriggerConfig,
  schedule: ScheduleTriggerConfig,
  segment_entry: SegmentEntryTriggerConfig,
  manual: ManualTriggerConfig,
} as const;

export type EventTrigger = z.infer<typeof EventTriggerConfig>;
export type ScheduleTrigger = z.infer<typeof ScheduleTriggerConfig>;
export type SegmentEntryTrigger = z.infer<typeof SegmentEntryTriggerConfig>;
export type TriggerConfig = EventTrigger | ScheduleTrigger | SegmentEntryTrigger | z.infer<typeof ManualTriggerConfig>;

const UNITS = { second: 1, minute: 60, hour: 3600, day: 86_400, week: 604_800 } as const;
const DURATION = /^(\d+(?:\.\d+)?)\s*(second|minute|hour|day|week)s?$/;

/** Seconds of a duration: a number of seconds, or text such as "1 day", "7 days", "2 hours". */
export function durationSeconds(duration: string | number): number {
  if (typeof duration === 'number') return duration;
  const m = DURATION.exec(duration.trim().toLowerCase());
  if (!m) throw new Error(`Not a duration: ${duration}`);
  return Number(m[1]) * UNITS[m[2] as keyof typeof UNITS];
}

const MAX_WAIT_S = 366 * 86_400;
export const Duration = z
  .union([
    z.number().positive().max(MAX_WAIT_S),
    z
      .string()
      .max(40)
      .refine(
        (s) => DURATION.test(s.trim().toLowerCase()),
        'a duration such as "1 day", "7 days", "2 hours" or seconds',
      )
      .refine((s) => !DURATION.test(s.trim().toLowerCase()) || durationSeconds(s) <= MAX_WAIT_S, 'at most 366 days'),
  ])
  .meta({ description: 'Seconds, or text: "30 minutes", "1 day", "7 days", "2 weeks"' });

const Id = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);
const Branch = z.enum(['continue', 'exit']);

export const EmailStep = z.strictObject({ template_id: Id.meta({ description: 'An e-mail template' }) });
export const WaitStep = z.strictObject({ duration: Duration });
export const ConditionStep = z
  .strictObject({
    check: z.enum(['purchased_since_enrolment', 'in_segment', 'opened', 'clicked']).meta({
      description: 'opened/clicked: any e-mail of this automation since enrolment (human opens only)',
    }),
    segment_id: Id.optional().meta({ description: 'For in_segment' }),
    then: Branch.default('continue').meta({ description: 'What happens when the check is true' }),
    else: Branch.default('continue').meta({ description: 'What happens when the check is false' }),
  })
  .refine((c) => c.check !== 'in_segment' || c.segment_id !== undefined, {
    message: 'in_segment needs segment_id',
    path: ['segment_id'],
  });
export const TagStep = z.strictObject({
  tag: z
    .string()
    .trim()
    .min(1)
    .max(50)
    .regex(/^[\p{L}\p{N}_ .:-]+$/u, 'letters, digits, spaces and _ . : -'),
});
export const WebhookStep = z.strictObject({
  url: z
    .url({ protocol: /^https?$/ })
    .max(2000)
    .meta({ description: 'http(s) URL of a public host (private, loopback and link-local addresses are refused)' }),
});

// The shape a valid step has once its config is checked (the type workflows and db see).
const StepUnion = z.discriminatedUnion('action_type', [
  z.strictObject({ action_type: z.literal('email'), action_config: EmailStep }),
  z.strictObject({ action_type: z.literal('wait'), action_config: WaitStep }),
  z.strictObject({ action_type: z.literal('condition'), action_config: ConditionStep }),
  z.strictObject({ action_type: z.literal('tag'), action_config: TagStep }),
  z.strictObject({ action_type: z.literal('webhook'), action_config: WebhookStep }),
]);
export type Step = z.output<typeof StepUnion>;

/**
 * One step: `action_config` is checked against its `action_type` after the type itself, so a bad
 * field is reported at its own path (`steps.2.action_config.duration`) whatever else the body holds.
 */
export const Step = z
  .strictObject({
    action_type: z.enum(ACTION_TYPES),
    action_config: z.record(z.string().max(50), z.unknown()).meta({
      description:
        'By action_type. email: {template_id}; wait: {duration: "1 day" | seconds}; condition: {check: purchased_since_enrolment|in_segment|opened|clicked, segment_id?, then: continue|exit, else: continue|exit}; tag: {tag}; webhook: {url}',
    }),
  })
  .transform((step, ctx): Step => {
    const r = StepUnion.safeParse(step);
    if (r.success) return r.data;
    for (const issue of r.error.issues) ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path });
    return z.NEVER;
  });
export const Steps = z.array(Step).min(1).max(50);

/** Validates a trigger config for its type, reporting issues under `path` (e.g. `trigger_config`). */
export function checkTriggerConfig(
  type: TriggerType,
  config: unknown,
  ctx: z.RefinementCtx,
  path: (string | number)[] = ['trigger_config'],
): TriggerConfig | undefined {
  const r = triggerConfigSchemas[type].safeParse(config ?? {});
  if (!r.success) {
    for (const issue of r.error.issues)
      ctx.addIssue({ code: 'custom', message: issue.message, path: [...path, ...issue.path] });
    return undefined;
  }
  const c = r.data as TriggerConfig;
  if (
    type === 'event' &&
    'no_purchase_for' in c &&
    c.no_purchase_for &&
    (c as EventTrigger).event_type !== 'order.created'
  )
    ctx.addIssue({
      code: 'custom',
      message: 'no_purchase_for needs event_type order.created',
      path: [...path, 'event_type'],
    });
  if (type === 'schedule' && (c as ScheduleTrigger).kind === 'every' && !(c as ScheduleTrigger).every)
    ctx.addIssue({ code: 'custom', message: 'kind every needs every (day, week or month)', path: [...path, 'every'] });
  return c;
}

export const allowsReentry = (config: TriggerConfig): boolean => config.reentry === true;

/** A wait step's timer in milliseconds, scaled by the automation's time scale (tests run days as seconds). */
export const waitMs = (duration: string | number, timeScale: number): number =>
  Math.max(1, Math.round(durationSeconds(duration) * 1000 * timeScale));

/** The win-back lapse in milliseconds. */
export const lapseMs = (days: number, timeScale: number): number =>
  Math.max(1, Math.round(days * 86_400_000 * timeScale));

/** Whether an event's payload matches an event trigger's filter (every field equal). */
export function matchesFilter(filter: EventTrigger['filter'], payload: Record<string, unknown>): boolean {
  if (!filter) return true;
  return Object.entries(filter).every(([k, v]) => payload[k] === v);
}

/**
 * The next run of a schedule trigger strictly after `after`: birthday and anniversary runs are daily
 * (customers whose day it is are enrolled), `every` runs each day/week (Mondays)/month (the 1st).
 */
export function nextScheduledRun(config: ScheduleTrigger, after: Date): Date {
  const hour = config.at_hour ?? 9;
  const d = new Date(Date.UTC(after.getUTCFullYear(), after.getUTCMonth(), after.getUTCDate(), hour));
  if (d <= after) d.setUTCDate(d.getUTCDate() + 1);
  if (config.kind === 'every' && config.every === 'week') while (d.getUTCDay() !== 1) d.setUTCDate(d.getUTCDate() + 1);
  if (config.kind === 'every' && config.every === 'month')
    while (d.getUTCDate() !== 1) d.setUTCDate(d.getUTCDate() + 1);
  return d;
}

// ---- Built-in templates ----------------------------------------------------------------------------

export interface TemplateEmail {
  key: string;
  name: string;
  subject: string;
  mjml: string;
}

export type TemplateStep = { action_type: 'email'; email: string } | Exclude<Step, { action_type: 'email' }>;

export interface AutomationTemplate {
  key: string;
  name: string;
  description: string;
  trigger_type: TriggerType;
  trigger_config: TriggerConfig;
  emails: TemplateEmail[];
  /** Steps; e-mail steps name one of `emails` by key, replaced by the created template's id. */
  steps: TemplateStep[];
}

/** Only variables every automation message has (customer, tenant, unsubscribe_url; event may be null). */
const mjml = (heading: string, body: string, cta: string): string => `<mjml>
  <mj-head>
    <mj-title>${heading}</mj-title>
    <mj-attributes><mj-all font-family="Helvetica, Arial, sans-serif" /></mj-attributes>
  </mj-head>
  <mj-body background-color="#f4f4f7">
    <mj-section background-color="#ffffff" padding="24px">
      <mj-column>
        <mj-text font-size="22px" font-weight="bold">${heading}</mj-text>
        <mj-text font-size="16px" line-height="24px">Hi {{ customer.first_name }},</mj-text>
        <mj-text font-size="16px" line-height="24px">${body}</mj-text>
        <mj-text font-size="16px" font-weight="bold" color="#4f46e5">${cta} at {{ tenant.name }}.</mj-text>
      </mj-column>
    </mj-section>
    <mj-section>
      <mj-column>
        <mj-text font-size="12px" color="#888888" align="center">You get this e-mail because you bought tickets from {{ tenant.name }}. <a href="{{ unsubscribe_url }}">Unsubscribe</a></mj-text>
      </mj-column>
    </mj-section>
  </mj-body>
</mjml>`;

const notPurchased = {
  action_type: 'condition' as const,
  action_config: { check: 'purchased_since_enrolment' as const, then: 'exit' as const, else: 'continue' as const },
};
const wait = (duration: string) => ({ action_type: 'wait' as const, action_config: { duration } });
const email = (key: string) => ({ action_type: 'email' as const, email: key });

export const AUTOMATION_TEMPLATES: readonly AutomationTemplate[] = [
  {
    key: 'win_back',
    name: 'Win-back',
    description:
      'The proposal\'s win-back: no purchase in 90 days; wait 1 day; e-mail "We miss you! Here\'s 10% off"; wait 7 days; if not purchased, a reminder; wait 14 days; if not purchased, a final offer.',
    trigger_type: 'event',
    trigger_config: { event_type: 'order.created', no_purchase_for: { days: 90 }, reentry: true },
    emails: [
      {
        key: 'miss_you',
        name: 'Win-back: we miss you',
        subject: "We miss you! Here's 10% off",
        mjml: mjml(
          "We miss you! Here's 10% off",
          'It has been a while since your last event with us. Use code <strong>COMEBACK10</strong> for 10% off your next tickets.',
          'Find your next event',
        ),
      },
      {
        key: 'reminder',
        name: 'Win-back: reminder',
        subject: 'Your 10% off is still waiting',
        mjml: mjml(
          'Your 10% off is still waiting',
          'Just a reminder: code <strong>COMEBACK10</strong> still gives you 10% off tickets for any upcoming event.',
          'See what is on',
        ),
      },
      {
        key: 'final_offer',
        name: 'Win-back: final offer',
        subject: 'Last chance: your final offer inside',
        mjml: mjml(
          'Last chance: your final offer',
          'This is our last nudge: code <strong>COMEBACK15</strong> gives you 15% off, for the next 7 days only.',
          'Claim your offer',
        ),
      },
    ],
    steps: [
      wait('1 day'),
      email('miss_you'),
      wait('7 days'),
      notPurchased,
      email('reminder'),
      wait('14 days'),
      notPurchased,
      email('final_offer'),
    ],
  },
  {
    key: 'welcome_series',
    name: 'Welcome series',
    description:
      'New customers (their first paid order): a welcome e-mail at once, tips two days later, and recommendations a week in unless they bought again.',
    trigger_type: 'event',
    trigger_config: { event_type: 'order.created', reentry: false },
    emails: [
      {
        key: 'welcome',
        name: 'Welcome: thanks for joining',
        subject: 'Welcome! Your tickets are ready',
        mjml: mjml(
          'Welcome aboard',
          'Thanks for your first order. Your tickets are in your account and your wallet, ready for the door.',
          'View my tickets',
        ),
      },
      {
        key: 'tips',
        name: 'Welcome: make the most of it',
        subject: 'Make the most of your event',
        mjml: mjml(
          'Make the most of your event',
          'Add your ticket to Apple Wallet or Google Wallet, check the venue opening times, and arrive early for the best spot.',
          'Plan my visit',
        ),
      },
      {
        key: 'discover',
        name: 'Welcome: discover more',
        subject: 'More events you might like',
        mjml: mjml(
          'More events you might like',
          'We picked upcoming events for you based on what you booked.',
          'Discover events',
        ),
      },
    ],
    steps: [email('welcome'), wait('2 days'), email('tips'), wait('5 days'), notPurchased, email('discover')],
  },
  {
    key: 'birthday',
    name: 'Birthday',
    description: 'On the customer birthday (09:00 UTC), a birthday e-mail with a gift code.',
    trigger_type: 'schedule',
    trigger_config: { kind: 'birthday', at_hour: 9, reentry: true },
    emails: [
      {
        key: 'birthday',
        name: 'Birthday: happy birthday',
        subject: 'Happy birthday! A gift from us',
        mjml: mjml(
          'Happy birthday!',
          'To celebrate, here is <strong>15% off</strong> any event this month with code <strong>BIRTHDAY15</strong>.',
          'Treat myself',
        ),
      },
    ],
    steps: [email('birthday')],
  },
  {
    key: 'post_event_thank_you',
    name: 'Post-event thank-you',
    description: 'When an event ends, its attendees get a thank-you e-mail the next day.',
    trigger_type: 'event',
    trigger_config: { event_type: 'event.ended', reentry: true },
    emails: [
      {
        key: 'thank_you',
        name: 'Post-event: thank you',
        subject: 'Thanks for coming!',
        mjml: mjml(
          'Thanks for coming!',
          'We hope you had a great time{% if event %} at {{ event.name }}{% endif %}. Tell us how it went and see what is next.',
          'See upcoming events',
        ),
      },
    ],
    steps: [wait('1 day'), email('thank_you')],
  },
  {
    key: 'similar_events',
    name: 'Similar-event recommendations',
    description:
      'After a purchase, recommend upcoming events of the same category three days later, unless the customer bought again meanwhile.',
    trigger_type: 'event',
    trigger_config: { event_type: 'order.created', reentry: true },
    emails: [
      {
        key: 'recommendations',
        name: 'Recommendations: similar events',
        subject: 'Events like the one you booked',
        mjml: mjml(
          'You might also like',
          'You enjoyed {% if event %}{{ event.name }}{% else %}your last event{% endif %}: more events of the same kind are coming up, and fans like you get first pick.',
          'Browse similar events',
        ),
      },
    ],
    steps: [wait('3 days'), notPurchased, email('recommendations')],
  },
];

export const templateByKey = (key: string): AutomationTemplate | undefined =>
  AUTOMATION_TEMPLATES.find((t) => t.key === key);

/** Real time: a day is a day. */
export const DEFAULT_TIME_SCALE = 1;
