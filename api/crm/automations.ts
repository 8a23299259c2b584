import type { z } from 'zod';
import type { Tx } from '../../db/connection';
import {
  createAutomation,
  getAutomation,
  getSteps,
  listAutomations,
  missingEmailTemplates,
  setAutomationStatus,
  updateAutomation,
  type AutomationRow,
} from '../../db/crm/automations';
import {
  activeEnrolmentWorkflows,
  customersById,
  enrolFrom,
  getEnrolment,
  listEnrolments,
  type EnrolmentRow,
} from '../../db/crm/enrolments';
import { automationReport } from '../../db/crm/automation-results';
import { createTemplate } from '../../db/crm/templates';
import { getCustomer } from '../../db/customers/customers';
import { getModule } from '../../db/platform/modules';
import {
  AUTOMATION_TEMPLATES,
  DEFAULT_TIME_SCALE,
  templateByKey,
  type Step,
  type TriggerConfig,
  type TriggerType,
} from '../../domain/crm/automations';
import { DEFAULT_HOLDOUT_PCT, type CrmSettings } from '../../domain/crm/settings';
import { AppError, notFound, unprocessable, type FieldError } from '../../lib/errors';
import { startIdempotent } from '../../lib/temporal';
import {
  crmEnrolmentStart,
  crmEnrolmentWorkflowType,
  crmScheduleWorkflowId,
  crmScheduleWorkflowType,
  setPausedSignal,
  type CrmScheduleInput,
} from '../../workflows/crm/contract';
import { searchAttributes } from '../../workflows/search-attributes';
import type { RouterDeps } from '../deps';
import { defineRoute } from '../route';
import { IdParams, Pagination, isoOrNull, page, toPage } from '../schemas/common';
import {
  Automation,
  AutomationTemplateView,
  CreateAutomation,
  EnrolBody,
  Enrolment,
  Report,
  ReportQuery,
  UpdateAutomation,
} from './automation-schemas';

const tags = ['crm'];
const crmModule = 'crm' as const;
/** Signals to running enrolments go out this many at a time. */
const SIGNAL_CONCURRENCY = 32;

async function automationView(tx: Tx, row: AutomationRow): Promise<z.infer<typeof Automation>> {
  const steps = await getSteps(tx, row.id, row.version);
  return {
    id: row.id,
    name: row.name,
    trigger_type: row.trigger_type,
    trigger_config: row.trigger_config as Record<string, unknown>,
    status: row.status,
    version: row.version,
    holdout_pct: row.holdout_pct,
    time_scale: row.time_scale,
    template: row.template,
    steps: steps.map((s) => ({
      action_type: s.action_type,
      action_config: s.action_config as Record<string, unknown>,
    })),
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

const enrolmentView = (e: EnrolmentRow): z.infer<typeof Enrolment> => ({
  id: e.id,
  automation_id: e.automation_id,
  version: e.version,
  customer_id: e.customer_id,
  holdout: e.holdout,
  status: e.status,
  exit_reason: e.exit_reason,
  current_step: e.current_step,
  workflow_id: e.workflow_id,
  enrolled_at: e.enrolled_at.toISOString(),
  ended_at: isoOrNull(e.ended_at),
  converted_at: isoOrNull(e.converted_at),
  revenue_minor: Number(e.revenue_minor),
});

/** Automations whose `crm-schedule` workflow enrols customers: schedules, and win-backs' activation backfill. */
const timeDriven = (row: AutomationRow): boolean =>
  row.trigger_type === 'schedule' || Boolean((row.trigger_config as { no_purchase_for?: unknown }).no_purchase_for);

async function loadAutomation(tx: Tx, id: number, lock = false): Promise<AutomationRow> {
  const row = await getAutomation(tx, id, { lock });
  if (!row) throw notFound('Automation');
  return row;
}

/** E-mail steps must name the tenant's own templates: 400 with each bad step's path. */
async function assertTemplatesExist(tx: Tx, steps: Step[]): Promise<void> {
  const ids = steps.flatMap((s) => (s.action_type === 'email' ? [s.action_config.template_id] : []));
  const missing = new Set(await missingEmailTemplates(tx, ids));
  if (!missing.size) return;
  const errors: FieldError[] = steps.flatMap((s, i) =>
    s.action_type === 'email' && missing.has(s.action_config.template_id)
      ? [{ path: `body.steps.${i}.action_config.template_id`, message: 'no such e-mail template', code: 'not_found' }]
      : [],
  );
  throw new AppError(400, 'validation_failed', 'The request is not valid', { errors });
}

async function defaultHoldout(tx: Tx): Promise<number> {
  const settings = ((await getModule(tx, 'crm'))?.settings ?? {}) as CrmSettings;
  return settings.default_holdout_pct ?? DEFAULT_HOLDOUT_PCT;
}

/** A built-in template becomes an automation plus the e-mail templates it sends. */
async function fromTemplate(
  tx: Tx,
  tenantId: string,
  key: string,
): Promise<{ name: string; trigger_type: TriggerType; trigger_config: TriggerConfig; steps: Step[] }> {
  const template = templateByKey(key);
  if (!template) throw notFound('Automation template');
  const ids = new Map<string, number>();
  for (const email of template.emails) {
    const created = await createTemplate(tx, tenantId, { name: email.name, subject: email.subject, mjml: email.mjml });
    ids.set(email.key, created.id);
  }
  const steps = template.steps.map((s): Step =>
    s.action_type === 'email'
      ? { action_type: 'email', action_config: { template_id: ids.get(s.email) as number } }
      : s,
  );
  return { name: template.name, trigger_type: template.trigger_type, trigger_config: template.trigger_config, steps };
}

export function automationRoutes(deps: RouterDeps): void {
  const queue = deps.config.TEMPORAL_TASK_QUEUE;

  /** Tells running enrolments the automation was paused or resumed (a finished one has nothing to hear). */
  async function signalEnrolments(workflowIds: string[], paused: boolean): Promise<void> {
    for (let i = 0; i < workflowIds.length; i += SIGNAL_CONCURRENCY)
      await Promise.all(
        workflowIds.slice(i, i + SIGNAL_CONCURRENCY).map((id) =>
          deps.temporal.workflow
            .getHandle(id)
            .signal(setPausedSignal, { paused })
            .catch((err: unknown) => {
              if ((err as { name?: string }).name !== 'WorkflowNotFoundError') throw err;
            }),
        ),
      );
  }

  /** A schedule automation's workflow runs while it is active; a win-back's runs once per activation (idempotent start). */
  async function startSchedule(tenantId: string, automationId: number): Promise<void> {
    await startIdempotent(deps.temporal, crmScheduleWorkflowType, {
      taskQueue: queue,
      workflowId: crmScheduleWorkflowId(tenantId, automationId),
      args: [{ tenantId, automationId } satisfies CrmScheduleInput],
      typedSearchAttributes: searchAttributes(tenantId),
    });
  }

  defineRoute(deps, {
    method: 'get',
    path: '/api/crm/automation-templates',
    summary:
      'Built-in automations: welcome series, win-back (the proposal’s example), birthday, post-event thank-you, similar-event recommendations',
    tags,
    access: { scope: 'read', module: crmModule },
    responses: { 200: { description: 'Templates', schema: page(AutomationTemplateView) } },
    handler: async () => ({
      body: {
        items: AUTOMATION_TEMPLATES.map((t) => ({
          key: t.key,
          name: t.name,
          description: t.description,
          trigger_type: t.trigger_type,
          trigger_config: t.trigger_config as Record<string, unknown>,
          emails: t.emails.map((e) => ({ key: e.key, name: e.name, subject: e.subject })),
          steps: t.steps as unknown as Record<string, unknown>[],
        })),
        next_cursor: null,
      },
    }),
  });

  defineRoute(deps, {
    method: 'post',
    path: '/api/crm/automations',
    summary:
      'Create an automation from a trigger and steps, or from a built-in template (its e-mail templates are created with it)',
    tags,
    access: { scope: 'write', module: crmModule },
    idempotent: true,
    body: CreateAutomation,
    responses: { 201: { description: 'Automation', schema: Automation } },
    handler: async ({ tx, auth, body, afterCommit }) => {
      const base = body.template ? await fromTemplate(tx, auth.tenantId, body.template) : undefined;
      const triggerType = (base?.trigger_type ?? body.trigger_type) as TriggerType;
      const triggerConfig = {
        ...(base?.trigger_config ?? {}),
        ...(body.trigger_config ?? {}),
      } as TriggerConfig;
      const steps = base?.steps ?? (body.steps as Step[]);
      if (!base) await assertTemplatesExist(tx, steps);
      const row = await createAutomation(tx, auth.tenantId, {
        name: body.name ?? base?.name ?? 'Automation',
        trigger_type: triggerType,
        trigger_config: triggerConfig,
        status: body.status ?? 'draft',
        holdout_pct: body.holdout_pct ?? (await defaultHoldout(tx)),
        time_scale: body.time_scale ?? DEFAULT_TIME_SCALE,
        template: body.template ?? null,
        steps,
      });
      if (row.status === 'active' && timeDriven(row)) afterCommit(() => startSchedule(auth.tenantId, row.id));
      return { status: 201, body: await automationView(tx, row) };
    },
  });

  defineRoute(deps, {
    method: 'get',
    path: '/api/crm/automations',
    summary: 'List automations',
    tags,
    access: { scope: 'read', module: crmModule },
    query: Pagination,
    responses: { 200: { description: 'Automations', schema: page(Automation) } },
    handler: async ({ tx, query }) => {
      const rows = await listAutomations(tx, query);
      const items: z.infer<typeof Automation>[] = [];
      for (const row of rows) items.push(await automationView(tx, row));
      return { body: toPage(items, query.limit) };
    },
  });

  defineRoute(deps, {
    method: 'get',
    path: '/api/crm/automations/{id}',
    summary: 'An automation with the steps of its current version',
    tags,
    access: { scope: 'read', module: crmModule },
    params: IdParams,
    responses: { 200: { description: 'Automation', schema: Automation } },
    handler: async ({ tx, params }) => ({ body: await automationView(tx, await loadAutomation(tx, params.id)) }),
  });

  defineRoute(deps, {
    method: 'patch',
    path: '/api/crm/automations/{id}',
    summary: 'Edit an automation; new steps become a new version, which only enrolments from now on follow',
    tags,
    access: { scope: 'write', module: crmModule },
    params: IdParams,
    body: UpdateAutomation,
    responses: { 200: { description: 'Automation', schema: Automation } },
    handler: async ({ tx, auth, params, body, afterCommit }) => {
      const current = await loadAutomation(tx, params.id, true);
      if (body.steps) await assertTemplatesExist(tx, body.steps as Step[]);
      const row = await updateAutomation(tx, auth.tenantId, current, {
        ...body,
        trigger_config: body.trigger_config as TriggerConfig | undefined,
        steps: body.steps as Step[] | undefined,
      });
      if (row.status === 'active' && row.trigger_type === 'schedule')
        afterCommit(() => startSchedule(auth.tenantId, row.id));
      return { body: await automationView(tx, row) };
    },
  });

  for (const action of ['activate', 'pause', 'resume'] as const) {
    defineRoute(deps, {
      method: 'post',
      path: `/api/crm/automations/{id}/${action}`,
      summary:
        action === 'activate'
          ? 'Activate an automation: its trigger starts enrolling customers'
          : action === 'pause'
            ? 'Pause an automation: no new enrolments, and running ones hold before their next step'
            : 'Resume a paused automation: held enrolments continue where they stopped',
      tags,
      access: { scope: 'write', module: crmModule },
      params: IdParams,
      responses: { 200: { description: 'Automation', schema: Automation } },
      handler: async ({ tx, auth, params, afterCommit }) => {
        const current = await loadAutomation(tx, params.id, true);
        if (action === 'resume' && current.status !== 'paused')
          throw unprocessable('automation_not_paused', 'Only a paused automation can be resumed');
        if (action === 'pause' && current.status !== 'active')
          throw unprocessable('automation_not_active', 'Only an active automation can be paused');
        const row = await setAutomationStatus(tx, current.id, action === 'pause' ? 'paused' : 'active');
        if (action !== 'activate' || current.status === 'paused') {
          const ids = await activeEnrolmentWorkflows(tx, current.id);
          afterCommit(() => signalEnrolments(ids, action === 'pause'));
        }
        if (row.status === 'active' && current.status !== 'active' && timeDriven(row))
          afterCommit(() => startSchedule(auth.tenantId, row.id));
        return { body: await automationView(tx, row) };
      },
    });
  }

  defineRoute(deps, {
    method: 'post',
    path: '/api/crm/automations/{id}/enrolments',
    summary: 'Enrol a customer by hand (any active or paused automation); held out per the automation’s holdout share',
    tags,
    access: { scope: 'write', module: crmModule },
    idempotent: true,
    params: IdParams,
    body: EnrolBody,
    responses: { 201: { description: 'Enrolment', schema: Enrolment } },
    handler: async ({ tx, auth, params, body, afterCommit }) => {
      const automation = await loadAutomation(tx, params.id);
      const customer = await getCustomer(tx, body.customer_id);
      if (!customer) throw notFound('Customer');
      if (automation.status === 'draft')
        throw unprocessable('automation_not_active', 'Activate the automation before enrolling customers');
      const [created] = await enrolFrom(tx, auth.tenantId, automation, customersById([body.customer_id]));
      if (!created)
        throw new AppError(
          409,
          'already_enrolled',
          'The customer is enrolled already (or was, and the trigger allows no re-entry)',
        );
      afterCommit(async () => {
        await startIdempotent(
          deps.temporal,
          crmEnrolmentWorkflowType,
          crmEnrolmentStart(queue, auth.tenantId, created.id),
        );
      });
      const row = (await getEnrolment(tx, created.id)) as EnrolmentRow;
      return { status: 201, body: enrolmentView(row) };
    },
  });

  defineRoute(deps, {
    method: 'get',
    path: '/api/crm/automations/{id}/enrolments',
    summary: "An automation's enrolments, oldest first",
    tags,
    access: { scope: 'read', module: crmModule },
    params: IdParams,
    query: Pagination,
    responses: { 200: { description: 'Enrolments', schema: page(Enrolment) } },
    handler: async ({ tx, params, query }) => {
      await loadAutomation(tx, params.id);
      const rows = await listEnrolments(tx, params.id, query);
      return { body: toPage(rows.map(enrolmentView), query.limit) };
    },
  });

  defineRoute(deps, {
    method: 'get',
    path: '/api/crm/automations/{id}/report',
    summary:
      'Automation ROI: enrolled, held out, sent, delivered, unique clicks, conversions and revenue per group, and the increment over the holdout',
    tags,
    access: { scope: 'read', module: crmModule },
    params: IdParams,
    query: ReportQuery,
    responses: { 200: { description: 'Report', schema: Report } },
    handler: async ({ tx, params, query }) => {
      await loadAutomation(tx, params.id);
      return { body: { automation_id: params.id, ...(await automationReport(tx, params.id, query.window_days)) } };
    },
  });
}
