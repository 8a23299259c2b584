import { z } from 'zod';
import {
  ACTION_TYPES,
  AUTOMATION_STATUSES,
  AUTOMATION_TEMPLATES,
  Steps,
  TRIGGER_TYPES,
  checkTriggerConfig,
  templateByKey,
  type TriggerType,
} from '../../domain/crm/automations';
import { Id, fromDecimal, text } from '../schemas/common';

const TEMPLATE_KEYS = AUTOMATION_TEMPLATES.map((t) => t.key) as [string, ...string[]];

const HoldoutPct = z.number().min(0).max(100).meta({
  description:
    'Share of enrolments held out as a control group (default: the tenant setting default_holdout_pct, else 5)',
});
const TimeScale = z.number().positive().max(1).meta({
  description: 'Multiplies every wait and lapse (default 1; 1/86400 runs a day as a second, for tests and demos)',
});
const TriggerConfigInput = z.record(z.string().max(100), z.unknown()).meta({
  description:
    'By trigger_type. event: {event_type, filter?, no_purchase_for?: {days}, reentry?}; schedule: {kind: birthday|anniversary|every, every?: day|week|month, at_hour?, reentry?}; segment_entry: {segment_id, reentry?}; manual: {reentry?}',
});

export const CreateAutomation = z
  .strictObject({
    name: text(200).optional().meta({ description: 'Required unless a template names it' }),
    template: z.enum(TEMPLATE_KEYS).optional().meta({
      description: 'A built-in template (GET /api/crm/automation-templates); its e-mail templates are created too',
    }),
    trigger_type: z.enum(TRIGGER_TYPES).optional().meta({ description: 'Required without a template' }),
    trigger_config: TriggerConfigInput.optional().meta({
      description: 'Required without a template; with one, its fields override the template’s',
    }),
    steps: Steps.optional().meta({ description: 'Required without a template' }),
    holdout_pct: HoldoutPct.optional(),
    time_scale: TimeScale.optional(),
    status: z.enum(['draft', 'active']).optional().meta({ description: 'Default draft' }),
  })
  .superRefine((b, ctx) => {
    if (b.template) {
      if (b.steps) ctx.addIssue({ code: 'custom', message: 'steps come from the template', path: ['steps'] });
      if (b.trigger_type)
        ctx.addIssue({ code: 'custom', message: 'the template sets the trigger type', path: ['trigger_type'] });
      const template = templateByKey(b.template);
      // Overrides are checked merged with the template's own config, as they will be saved.
      if (template && b.trigger_config)
        checkTriggerConfig(template.trigger_type, { ...template.trigger_config, ...b.trigger_config }, ctx);
      return;
    }
    if (!b.name) ctx.addIssue({ code: 'custom', message: 'name is required without a template', path: ['name'] });
    if (!b.steps) ctx.addIssue({ code: 'custom', message: 'steps are required without a template', path: ['steps'] });
    if (!b.trigger_type)
      ctx.addIssue({ code: 'custom', message: 'trigger_type is required without a template', path: ['trigger_type'] });
    else checkTriggerConfig(b.trigger_type, b.trigger_config ?? {}, ctx);
  });

export const UpdateAutomation = z
  .strictObject({
    name: text(200).optional(),
    trigger_type: z.enum(TRIGGER_TYPES).optional(),
    trigger_config: TriggerConfigInput.optional(),
    steps: Steps.optional().meta({ description: 'A new version: running enrolments keep theirs' }),
    holdout_pct: HoldoutPct.optional(),
    time_scale: TimeScale.optional(),
  })
  .superRefine((b, ctx) => {
    if (b.trigger_config !== undefined && b.trigger_type === undefined)
      ctx.addIssue({ code: 'custom', message: 'give trigger_type with trigger_config', path: ['trigger_type'] });
    if (b.trigger_type !== undefined) checkTriggerConfig(b.trigger_type as TriggerType, b.trigger_config ?? {}, ctx);
  });

const StepView = z.object({
  action_type: z.enum(ACTION_TYPES),
  action_config: z.record(z.string(), z.unknown()),
});

export const Automation = z
  .object({
    id: z.number().int(),
    name: z.string(),
    trigger_type: z.enum(TRIGGER_TYPES),
    trigger_config: z.record(z.string(), z.unknown()),
    status: z.enum(AUTOMATION_STATUSES),
    version: z.number().int(),
    holdout_pct: z.number(),
    time_scale: z.number(),
    template: z.string().nullable(),
    steps: z.array(StepView),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: 'CrmAutomation' });

export const AutomationTemplateView = z
  .object({
    key: z.string(),
    name: z.string(),
    description: z.string(),
    trigger_type: z.enum(TRIGGER_TYPES),
    trigger_config: z.record(z.string(), z.unknown()),
    emails: z.array(z.object({ key: z.string(), name: z.string(), subject: z.string() })),
    steps: z.array(z.record(z.string(), z.unknown())),
  })
  .meta({ id: 'CrmAutomationTemplate' });

export const EnrolBody = z.strictObject({ customer_id: Id });

export const Enrolment = z
  .object({
    id: z.number().int(),
    automation_id: z.number().int(),
    version: z.number().int(),
    customer_id: z.number().int(),
    holdout: z.boolean(),
    status: z.enum(['running', 'paused', 'completed', 'exited']),
    exit_reason: z.string().nullable(),
    current_step: z.number().int(),
    workflow_id: z.string(),
    enrolled_at: z.string(),
    ended_at: z.string().nullable(),
    converted_at: z.string().nullable(),
    revenue_minor: z.number().int(),
  })
  .meta({ id: 'CrmEnrolment' });

export const ReportQuery = z.object({
  window_days: fromDecimal(z.number().int().min(1).max(365))
    .default(30)
    .meta({ description: 'A paid order within this many days of enrolment counts as a conversion (default 30)' }),
});

const pair = z.object({ treated: z.number(), holdout: z.number() });
const ratePair = z.object({ treated: z.number().nullable(), holdout: z.number().nullable() });
export const Report = z
  .object({
    automation_id: z.number().int(),
    enrolled: z.number().int(),
    held_out: z.number().int(),
    treated: z.number().int(),
    running: z.number().int(),
    completed: z.number().int(),
    exited: z.number().int(),
    sent: z.number().int().meta({ description: 'E-mails queued or sent to treated customers' }),
    delivered: z.number().int().meta({ description: 'Accepted by the SMTP server' }),
    suppressed: z.number().int(),
    unique_clicks: z.number().int(),
    conversions: pair,
    revenue_minor: pair,
    conversion_rate: ratePair,
    incremental_conversions: z.number().nullable().meta({
      description: 'Treated conversions above what the holdout rate predicts for the treated group',
    }),
    incremental_revenue_minor: z.number().int().nullable(),
    window_days: z.number().int(),
  })
  .meta({ id: 'CrmAutomationReport' });
