import { z } from 'zod';

/** The CRM module's settings (`PUT /api/modules/crm`). */
export const CrmSettingsSchema = z.strictObject({
  from_address: z
    .email()
    .max(320)
    .optional()
    .meta({ description: 'Sender of marketing e-mail (default: the platform sender)' }),
  frequency_cap_per_week: z.number().int().min(1).max(100).optional().meta({
    description: 'Most marketing e-mails one customer gets in 7 days (default 3); transactional mail is not counted',
  }),
  default_holdout_pct: z.number().min(0).max(50).optional().meta({
    description: 'Share of enrolments held out as a control group in new automations (default 5)',
  }),
  send_rate_per_s: z.number().int().min(1).max(10_000).optional().meta({
    description: 'Most marketing e-mails handed to SMTP per second (default 50)',
  }),
});

export type CrmSettings = z.infer<typeof CrmSettingsSchema>;
export const DEFAULT_FREQUENCY_CAP_PER_WEEK = 3;
export const DEFAULT_HOLDOUT_PCT = 5;
export const DEFAULT_SEND_RATE_PER_S = 50;
