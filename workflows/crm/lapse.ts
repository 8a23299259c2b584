import { condition, continueAsNew, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { AutomationActivities } from '../../activities/crm/automations';
import { getLapseStateQuery, purchasedSignal, type CrmLapseInput, type CrmLapseState } from './contract';

const db = proxyActivities<AutomationActivities>({
  startToCloseTimeout: '1 minute',
  // Enrolment is idempotent (one active enrolment per automation and customer): retry until it lands.
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

/** Purchases one run absorbs before it continues as new, keeping its history short. */
const PURCHASES_PER_RUN = 200;

/**
 * "No purchase for N days" for one customer and one win-back automation: a timer that every paid
 * order restarts (the order trigger signals `purchased` with signal-with-start). When it fires with
 * no purchase in between, the customer is enrolled and the workflow ends; the next purchase starts
 * a new one. Nothing polls: a quiet customer costs one timer.
 */
export async function crmLapseWorkflow(input: CrmLapseInput): Promise<CrmLapseState> {
  const state: CrmLapseState = { status: 'watching', purchases: 0, enrolmentId: null };
  setHandler(getLapseStateQuery, () => state);
  setHandler(purchasedSignal, () => {
    state.purchases++;
  });

  let wait = input.firstLapseMs ?? input.lapseMs;
  for (;;) {
    const seen = state.purchases;
    const purchased = await condition(() => state.purchases > seen, wait);
    wait = input.lapseMs;
    if (!purchased) break;
    if (state.purchases >= PURCHASES_PER_RUN || workflowInfo().continueAsNewSuggested)
      await continueAsNew<typeof crmLapseWorkflow>(input);
  }
  const { enrolmentId } = await db.crmAutomationLapseEnrol({
    tenantId: input.tenantId,
    automationId: input.automationId,
    customerId: input.customerId,
  });
  state.status = enrolmentId === null ? 'skipped' : 'enrolled';
  state.enrolmentId = enrolmentId;
  return state;
}
