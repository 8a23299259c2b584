import { inBatches } from '../../lib/batches';
import type { Knex } from 'knex';
import type { Client } from '@temporalio/client';
import { withTenant, type Db, type Tx } from '../../db/connection';
import { activeAutomations, activeEventAutomations, activeSegmentAutomations } from '../../db/crm/automations';
import {
  attendeesOf,
  customerEnrolmentWorkflows,
  customersById,
  enrolFrom,
  enrolmentsOfEvent,
  orderCustomer,
  requestCustomerExit,
} from '../../db/crm/enrolments';
import { recordConversion } from '../../db/crm/automation-results';
import { isModuleEnabled } from '../../db/platform/modules';
import { lapseMs, matchesFilter, type EventTrigger } from '../../domain/crm/automations';
import { EVENT_TYPES, type EventType } from '../../domain/catalogue';
import { searchAttributes } from '../../workflows/search-attributes';
import {
  crmLapseWorkflowId,
  crmLapseWorkflowType,
  purchasedSignal,
  requestExitSignal,
  type CrmLapseInput,
} from '../../workflows/crm/contract';
import type { WorkerDeps } from '../deps';
import { defineTrigger, type Trigger, type TriggerContext } from '../platform/triggers';
import { START_CONCURRENCY, signalEach, startEnrolments } from './automations';

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
