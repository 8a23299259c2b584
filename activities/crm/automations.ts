import { Context } from '@temporalio/activity';
import type { Knex } from 'knex';
import { ApplicationFailure } from '@temporalio/common';
import type { Client } from '@temporalio/client';
import { withTenant, type Db, type Tx } from '../../db/connection';
import {
  activeAutomations,
  activeEventAutomations,
  activeSegmentAutomations,
  getAutomation,
  getSteps,
  type AutomationRow,
} from '../../db/crm/automations';
import {
  attendeesOf,
  customerEnrolmentWorkflows,
  customersById,
  endEnrolment,
  enrolFrom,
  enrolmentCustomer,
  enrolmentsOfEvent,
  gateStep,
  getEnrolment,
  lapsedBefore,
  lastPurchasesSince,
  orderCustomer,
  purchasedSince,
  recordConversion,
  requestCustomerExit,
  scheduledCandidates,
  tagCustomer,
  type NewEnrolment,
  type StepGate,
} from '../../db/crm/enrolments';
import { isInSegment } from '../../db/crm/memberships';
import { hasEngaged, queueMessage } from '../../db/crm/messages';
import { isModuleEnabled } from '../../db/platform/modules';
import {
  lapseMs,
  matchesFilter,
  waitMs,
  nextScheduledRun,
  type EventTrigger,
  type ScheduleTrigger,
  type Step,
} from '../../domain/crm/automations';
import { EVENT_TYPES, type EventType } from '../../domain/catalogue';
import { postWebhook } from '../../integrations/webhooks/client';
import { addressRule } from '../../integrations/webhooks/destination';
import { startIdempotent } from '../../lib/temporal';
import { searchAttributes } from '../../workflows/search-attributes';
import {
  crmEnrolmentStart,
  crmEnrolmentWorkflowType,
  crmLapseWorkflowId,
  crmLapseWorkflowType,
  purchasedSignal,
  requestExitSignal,
  type CrmLapseInput,
} from '../../workflows/crm/contract';
import type { WorkerDeps } from '../deps';
import { defineTrigger, type Trigger, type TriggerContext } from '../platform/triggers';

/** How many workflow starts or signals are in flight at once in a fan-out. */
const START_CONCURRENCY = 32;
/** An enrolment row started from inside its (uncommitted) transaction may take this long to appear. */
const ENROLMENT_VISIBLE_WITHIN_MS = 60_000;

async function inBatches<T>(items: T[], size: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(fn));
}

/** Starts the workflows of new enrolments (idempotent by id), at most START_CONCURRENCY at a time. */
export async function startEnrolments(
  temporal: Client,
  taskQueue: string,
  tenantId: string,
  enrolments: Pick<NewEnrolment, 'id'>[],
): Promise<void> {
  await inBatches(enrolments, START_CONCURRENCY, (e) =>
    startIdempotent(temporal, crmEnrolmentWorkflowType, crmEnrolmentStart(taskQueue, tenantId, e.id)),
  );
}

/** Signals workflows that may have ended meanwhile: a finished one has nothing left to tell. */
export async function signalEach(ids: string[], send: (id: string) => Promise<void>): Promise<void> {
  await inBatches(ids, START_CONCURRENCY, (id) =>
    send(id).catch((err: unknown) => {
      if ((err as { name?: string }).name !== 'WorkflowNotFoundError') throw err;
    }),
  );
}

export interface LoadedEnrolment {
  automationId: number;
  customerId: number;
  version: number;
  holdout: boolean;
  enrolledAt: string;
  steps: Step[];
  /** Each wait step's timer by step index: its duration times the automation's time scale. */
  waitsMs: Record<number, number>;
  /** Set when the enrolment already ended (a replayed start): nothing to run. */
  ended: boolean;
}

export function createAutomationActivities(deps: WorkerDeps) {
  const { db, config, temporal } = deps;
  const rule = addressRule(config.WEBHOOK_ALLOW_PRIVATE_URLS);
  const inTenant = <T>(tenantId: string, fn: (tx: Tx) => Promise<T>): Promise<T> => withTenant(db, tenantId, fn);

  const enrolAndStart = async (
    tenantId: string,
    automation: AutomationRow,
    candidates: { sql: string; bindings: Knex.RawBinding[] },
  ): Promise<NewEnrolment[]> => {
    const rows = await inTenant(tenantId, (tx) => enrolFrom(tx, tenantId, automation, candidates));
    await startEnrolments(temporal, config.TEMPORAL_TASK_QUEUE, tenantId, rows);
    return rows;
  };

  return {
    /** The enrolment with the steps of its own version (editing the automation never changes them). */
    async crmAutomationLoadEnrolment(input: { tenantId: string; enrolmentId: number }): Promise<LoadedEnrolment> {
      const loaded = await inTenant(input.tenantId, async (tx) => {
        const e = await getEnrolment(tx, input.enrolmentId);
        if (!e) return undefined;
        const a = await getAutomation(tx, e.automation_id);
        const steps = (await getSteps(tx, e.automation_id, e.version)).map(
          (s) => ({ action_type: s.action_type, action_config: s.action_config }) as Step,
        );
        const timeScale = a?.time_scale ?? 1;
        return {
          automationId: e.automation_id,
          customerId: e.customer_id,
          version: e.version,
          holdout: e.holdout,
          enrolledAt: e.enrolled_at.toISOString(),
          steps,
          waitsMs: Object.fromEntries(
            steps.flatMap((s, i) =>
              s.action_type === 'wait' ? [[i, waitMs(s.action_config.duration, timeScale)]] : [],
            ),
          ),
          ended: e.status === 'completed' || e.status === 'exited',
        };
      });
      if (loaded) return loaded;
      // A trigger may start the workflow before its transaction commits: only a row still missing later is gone.
      if (Date.now() - Context.current().info.scheduledTimestampMs < ENROLMENT_VISIBLE_WITHIN_MS)
        throw ApplicationFailure.retryable('The enrolment is not visible yet', 'enrolment_pending');
      throw ApplicationFailure.nonRetryable('The enrolment does not exist', 'enrolment_gone');
    },

    async crmAutomationGateStep(input: { tenantId: string; enrolmentId: number; step: number }): Promise<StepGate> {
      return inTenant(input.tenantId, (tx) => gateStep(tx, input.enrolmentId, input.step));
    },

    /** Queues the step's e-mail once (dedupe key per enrolment and step); a held-out enrolment's is recorded only. */
    async crmAutomationSendEmail(input: {
      tenantId: string;
      enrolmentId: number;
      automationId: number;
      customerId: number;
      step: number;
      templateId: number;
      holdout: boolean;
    }): Promise<{ id: number; status: string }> {
      return inTenant(input.tenantId, (tx) =>
        queueMessage(tx, input.tenantId, {
          customerId: input.customerId,
          templateId: input.templateId,
          automationId: input.automationId,
          enrolmentId: input.enrolmentId,
          step: input.step,
          dedupeKey: `automation:${input.enrolmentId}:${input.step}`,
          holdout: input.holdout,
        }),
      );
    },

    /** A condition, evaluated now. */
    async crmAutomationCheckCondition(input: {
      tenantId: string;
      automationId: number;
      customerId: number;
      enrolledAt: string;
      check: 'purchased_since_enrolment' | 'in_segment' | 'opened' | 'clicked';
      segmentId?: number;
    }): Promise<boolean> {
      const since = new Date(input.enrolledAt);
      return inTenant(input.tenantId, async (tx) => {
        switch (input.check) {
          case 'purchased_since_enrolment':
            return purchasedSince(tx, input.customerId, since);
          case 'in_segment':
            return input.segmentId !== undefined && isInSegment(tx, input.segmentId, input.customerId);
          case 'opened':
            return hasEngaged(tx, input.customerId, { kind: 'open', since, automationId: input.automationId });
          case 'clicked':
            return hasEngaged(tx, input.customerId, { kind: 'click', since, automationId: input.automationId });
        }
      });
    },

    async crmAutomationTag(input: {
      tenantId: string;
      automationId: number;
      customerId: number;
      tag: string;
    }): Promise<boolean> {
      return inTenant(input.tenantId, (tx) =>
        tagCustomer(tx, input.tenantId, input.customerId, input.tag, input.automationId),
      );
    },

    /**
     * Posts the enrolment to the step's URL through the webhooks client (public addresses only,
     * checked at connect time, no redirects). A refused destination is final; other failures retry.
     */
    async crmAutomationWebhook(input: {
      tenantId: string;
      automationId: number;
      enrolmentId: number;
      customerId: number;
      step: number;
      url: string;
    }): Promise<{ status: number }> {
      const customer = await inTenant(input.tenantId, (tx) => enrolmentCustomer(tx, input.customerId));
      const body = JSON.stringify({
        type: 'crm.automation_step',
        automation_id: input.automationId,
        enrolment_id: input.enrolmentId,
        step: input.step,
        customer: customer ?? { id: input.customerId },
      });
      const result = await postWebhook(
        input.url,
        body,
        {
          'content-type': 'application/json',
          'user-agent': 'Usher-Automations/1',
          // The receiver can drop repeats of a retried step by this key.
          'idempotency-key': `automation-${input.tenantId}-${input.enrolmentId}-${input.step}`,
        },
        { timeoutMs: config.WEBHOOK_TIMEOUT_MS, rule },
      );
      if (result.refused) throw ApplicationFailure.nonRetryable(result.refused, 'destination_refused');
      if (result.status === undefined || result.status < 200 || result.status >= 300)
        throw new Error(`Automation webhook answered ${result.status ?? result.error}`);
      return { status: result.status };
    },

    async crmAutomationEndEnrolment(input: {
      tenantId: string;
      enrolmentId: number;
      status: 'completed' | 'exited';
      reason: string;
    }): Promise<boolean> {
      return inTenant(input.tenantId, (tx) =>
        endEnrolment(tx, input.tenantId, input.enrolmentId, { status: input.status, reason: input.reason }),
      );
    },

    /** The lapse timer fired with no purchase: enrol the customer if the automation is still active. */
    async crmAutomationLapseEnrol(input: {
      tenantId: string;
      automationId: number;
      customerId: number;
    }): Promise<{ enrolmentId: number | null }> {
      const automation = await inTenant(input.tenantId, (tx) => getAutomation(tx, input.automationId));
      if (automation?.status !== 'active') return { enrolmentId: null };
      const rows = await enrolAndStart(input.tenantId, automation, customersById([input.customerId]));
      return { enrolmentId: rows[0]?.id ?? null };
    },

    /** When a schedule automation runs next, or null when it is no longer active (the workflow stops). */
    async crmAutomationNextRun(input: {
      tenantId: string;
      automationId: number;
      after: string;
    }): Promise<{ nextRunAt: string | null; lapseBackfill?: boolean }> {
      const automation = await inTenant(input.tenantId, (tx) => getAutomation(tx, input.automationId));
      if (automation?.status === 'active' && (automation.trigger_config as EventTrigger).no_purchase_for)
        return { nextRunAt: null, lapseBackfill: true };
      if (automation?.status !== 'active' || automation.trigger_type !== 'schedule') return { nextRunAt: null };
      return {
        nextRunAt: nextScheduledRun(automation.trigger_config as ScheduleTrigger, new Date(input.after)).toISOString(),
      };
    },

    /**
     * A win-back's activation: customers whose last purchase is older than the lapse are enrolled
     * (one statement), the others get a lapse workflow timed from their last purchase (an order
     * since activation has started one already, which the idempotent start leaves alone).
     */
    async crmAutomationLapseBackfill(input: { tenantId: string; automationId: number }): Promise<{ enrolled: number }> {
      const automation = await inTenant(input.tenantId, (tx) => getAutomation(tx, input.automationId));
      const days = (automation?.trigger_config as EventTrigger | undefined)?.no_purchase_for?.days;
      if (automation?.status !== 'active' || days === undefined) return { enrolled: 0 };
      const lapse = lapseMs(days, automation.time_scale);
      const cutoff = new Date(Date.now() - lapse);
      const rows = await enrolAndStart(input.tenantId, automation, lapsedBefore(cutoff, automation.id));
      const watching = await inTenant(input.tenantId, (tx) => lastPurchasesSince(tx, cutoff));
      await inBatches(watching, START_CONCURRENCY, async (c) => {
        await startIdempotent(temporal, crmLapseWorkflowType, {
          taskQueue: config.TEMPORAL_TASK_QUEUE,
          workflowId: crmLapseWorkflowId(input.tenantId, automation.id, c.customer_id),
          args: [
            {
              tenantId: input.tenantId,
              automationId: automation.id,
              customerId: c.customer_id,
              lapseMs: lapse,
              firstLapseMs: Math.max(1, new Date(c.last_paid_at).getTime() + lapse - Date.now()),
            } satisfies CrmLapseInput,
          ],
          typedSearchAttributes: searchAttributes(input.tenantId),
        });
        Context.current().heartbeat();
      });
      return { enrolled: rows.length };
    },

    /** One scheduled run: every matching customer enrolled in one statement, their workflows started in batches. */
    async crmAutomationRunSchedule(input: {
      tenantId: string;
      automationId: number;
      runAt: string;
    }): Promise<{ enrolled: number }> {
      const automation = await inTenant(input.tenantId, (tx) => getAutomation(tx, input.automationId));
      if (automation?.status !== 'active' || automation.trigger_type !== 'schedule') return { enrolled: 0 };
      const config = automation.trigger_config as ScheduleTrigger;
      // A retried run finds the rows it wrote (non-reentry, or still running) and starts what is missing.
      const rows = await enrolAndStart(
        input.tenantId,
        automation,
        scheduledCandidates(config.kind, new Date(input.runAt)),
      );
      Context.current().heartbeat();
      return { enrolled: rows.length };
    },
  };
}

export type AutomationActivities = ReturnType<typeof createAutomationActivities>;

/** The CRM add-on is enabled for the event's tenant. */
const crmEnabled = (ctx: TriggerContext): Promise<boolean> => isModuleEnabled(ctx.tx, 'crm');

/** Who an event is about: its customer, its order's customer, or (for an event's own events) its attendees. */
async function candidatesOf(
  tx: Tx,
  type: string,
  payload: Record<string, unknown>,
): Promise<{ sql: string; bindings: Knex.RawBinding[] } | undefined> {
  if (typeof payload.customer_id === 'number') return customersById([payload.customer_id]);
  if (typeof payload.new_customer_id === 'number') return customersById([payload.new_customer_id]);
  if (typeof payload.order_id === 'number') {
    const customerId = await orderCustomer(tx, payload.order_id);
    return customerId === undefined ? undefined : customersById([customerId]);
  }
  if (type.startsWith('event.') && typeof payload.event_id === 'number') return attendeesOf(payload.event_id);
  return undefined;
}

/**
 * Every catalogued type but those the generic event trigger leaves to the dedicated triggers below
 * (or that would only echo itself): listed rather than '*', so a segment entry or an enrolment does
 * not cost the dispatcher a no-op run of this trigger.
 */
const NOT_ENROLLING = new Set<EventType>(['crm.segment_entered', 'crm.automation_enrolled', 'crm.automation_exited']);
const ENROLLING_TYPES = EVENT_TYPES.filter((type) => !NOT_ENROLLING.has(type));

export function automationTriggers(deps: WorkerDeps): Trigger[] {
  const queue = deps.config.TEMPORAL_TASK_QUEUE;
  const startOf = async (tenantId: string, eventId: number, ctx: { db: Db; temporal: Client }) => {
    const rows = await withTenant(ctx.db, tenantId, (tx) => enrolmentsOfEvent(tx, eventId));
    await startEnrolments(ctx.temporal, queue, tenantId, rows);
  };
  return [
    defineTrigger({
      // Any catalogued event can trigger an `event` automation. The workflows are started inside the
      // event's transaction (their first activity waits until the row is visible) rather than after
      // commit: an after-commit part here would cost every event in the system a second transaction.
      name: 'crm.automations.enrol-on-event',
      on: ENROLLING_TYPES,
      async run(event, ctx) {
        const automations = (await activeEventAutomations(ctx.tx, event.type)).filter((a) => {
          const config = a.trigger_config as EventTrigger;
          return !config.no_purchase_for && matchesFilter(config.filter, event.payload as Record<string, unknown>);
        });
        if (!automations.length || !(await crmEnabled(ctx))) return;
        const candidates = await candidatesOf(ctx.tx, event.type, event.payload as Record<string, unknown>);
        if (!candidates) return;
        for (const automation of automations) {
          const rows = await enrolFrom(ctx.tx, event.tenantId, automation, candidates, { sourceEventId: event.id });
          await startEnrolments(ctx.temporal, queue, event.tenantId, rows);
        }
      },
    }),
    defineTrigger({
      name: 'crm.automations.enrol-on-segment-entry',
      on: ['crm.segment_entered'],
      async run(event, ctx) {
        const automations = await activeSegmentAutomations(ctx.tx, event.payload.segment_id);
        if (!automations.length || !(await crmEnabled(ctx))) return;
        for (const automation of automations)
          await enrolFrom(ctx.tx, event.tenantId, automation, customersById([event.payload.customer_id]), {
            sourceEventId: event.id,
          });
      },
      afterCommit: (event, ctx) => startOf(event.tenantId, event.id, ctx),
    }),
    defineTrigger({
      // A paid order converts the customer's enrolments and restarts every win-back lapse timer.
      name: 'crm.automations.on-purchase',
      on: ['order.created'],
      async run(event, ctx) {
        await recordConversion(ctx.tx, event.payload.customer_id, {
          totalMinor: event.payload.total_minor,
          currency: event.payload.currency,
        });
        const lapses = (await activeAutomations(ctx.tx, 'event')).filter(
          (a) => (a.trigger_config as EventTrigger).no_purchase_for,
        );
        if (!lapses.length || !(await crmEnabled(ctx))) return;
        // Signalled from inside the event's transaction: the lapse workflow reads nothing this
        // transaction writes (it only restarts its timer), and a repeat after a retry is harmless.
        await inBatches(lapses, START_CONCURRENCY, async (a) => {
          const days = (a.trigger_config as EventTrigger).no_purchase_for?.days ?? 90;
          const input: CrmLapseInput = {
            tenantId: event.tenantId,
            automationId: a.id,
            customerId: event.payload.customer_id,
            lapseMs: lapseMs(days, a.time_scale),
          };
          await ctx.temporal.workflow.signalWithStart(crmLapseWorkflowType.name, {
            taskQueue: queue,
            workflowId: crmLapseWorkflowId(event.tenantId, a.id, event.payload.customer_id),
            args: [input],
            signal: purchasedSignal,
            signalArgs: [{ orderId: event.payload.order_id }],
            typedSearchAttributes: searchAttributes(event.tenantId),
          });
        });
      },
    }),
    defineTrigger({
      // Unsubscribing, withdrawing consent or being erased ends every running enrolment at its next
      // step (the step gate reads what this records); the signal cuts a running wait short.
      name: 'crm.automations.exit-on-opt-out',
      on: ['crm.unsubscribed', 'crm.consent_changed', 'customer.erased'],
      async run(event, ctx) {
        if (event.type === 'crm.consent_changed' && event.payload.granted) return;
        await requestCustomerExit(ctx.tx, event.payload.customer_id, reasonOf(event.type));
      },
      async afterCommit(event, ctx) {
        if (event.type === 'crm.consent_changed' && event.payload.granted) return;
        const ids = await withTenant(ctx.db, event.tenantId, (tx) =>
          customerEnrolmentWorkflows(tx, event.payload.customer_id),
        );
        await signalEach(ids, (id) =>
          ctx.temporal.workflow.getHandle(id).signal(requestExitSignal, { reason: reasonOf(event.type) }),
        );
      },
    }),
  ];
}

const reasonOf = (type: string): string =>
  type === 'crm.unsubscribed' ? 'unsubscribed' : type === 'crm.consent_changed' ? 'consent_withdrawn' : 'erased';
