import { inBatches } from '../../lib/batches';
import { Context } from '@temporalio/activity';
import type { Knex } from 'knex';
import { ApplicationFailure } from '@temporalio/common';
import type { Client } from '@temporalio/client';
import { withTenant, type Tx } from '../../db/connection';
import { getAutomation, getSteps, type AutomationRow } from '../../db/crm/automations';
import {
  customersById,
  endEnrolment,
  enrolFrom,
  enrolmentCustomer,
  gateStep,
  getEnrolment,
  lapsedBefore,
  lastPurchasesSince,
  purchasedSince,
  scheduledCandidates,
  type NewEnrolment,
  type StepGate,
} from '../../db/crm/enrolments';
import { tagCustomer } from '../../db/crm/customer-tags';
import { isInSegment } from '../../db/crm/memberships';
import { hasEngaged, queueMessage } from '../../db/crm/messages';
import {
  lapseMs,
  waitMs,
  nextScheduledRun,
  type EventTrigger,
  type ScheduleTrigger,
  type Step,
} from '../../domain/crm/automations';
import { postWebhook } from '../../integrations/webhooks/client';
import { addressRule } from '../../integrations/webhooks/destination';
import { startIdempotent } from '../../lib/temporal';
import { searchAttributes } from '../../workflows/search-attributes';
import {
  crmEnrolmentStart,
  crmEnrolmentWorkflowType,
  crmLapseWorkflowId,
  crmLapseWorkflowType,
  type CrmLapseInput,
} from '../../workflows/crm/contract';
import type { WorkerDeps } from '../deps';

/** How many workflow starts or signals are in flight at once in a fan-out. */
export const START_CONCURRENCY = 32;
/** An enrolment row started from inside its (uncommitted) transaction may take this long to appear. */
const ENROLMENT_VISIBLE_WITHIN_MS = 60_000;

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
