import { proxyActivities, setHandler, sleep } from '@temporalio/workflow';
import type { UpsellsActivities } from '../../activities/upsells';
import {
  getUpsellPaymentExpiryStateQuery,
  type UpsellPaymentExpiryInput,
  type UpsellPaymentExpiryState,
} from './contract';

const steps = proxyActivities<UpsellsActivities>({
  startToCloseTimeout: '1 minute',
  // The release is guarded by the payment still being pending, so retrying until Postgres and the provider answer is safe.
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

/**
 * One post-purchase add-on payment's window: when it ends and the payment is still pending, the provider is
 * asked once more (a payment completed at the last moment settles), else the lines' reserved units go back.
 */
export async function upsellPaymentExpiryWorkflow(input: UpsellPaymentExpiryInput): Promise<UpsellPaymentExpiryState> {
  const state: UpsellPaymentExpiryState = {
    status: 'waiting',
    expiresAt: new Date(Date.now() + input.windowMs).toISOString(),
  };
  setHandler(getUpsellPaymentExpiryStateQuery, () => state);
  await sleep(input.windowMs);
  state.status = await steps.upsellsExpirePayment({ tenantId: input.tenantId, paymentId: input.paymentId });
  return state;
}
