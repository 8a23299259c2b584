import { withTenant } from '../../db/connection';
import { checkPriceTest, type PriceTestCheck } from '../../db/pricing/price-test-runs';
import { recordConversions } from '../../db/pricing/price-tests';
import type { WorkerDeps } from '../deps';
import { defineTrigger, type Trigger } from '../platform/triggers';

export function createTestsActivities({ db }: Pick<WorkerDeps, 'db'>) {
  return {
    /** One look at a running price test (db/pricing/price-test-runs.ts `checkPriceTest`). */
    async pricingTestsCheck(input: { tenantId: string; testId: number }): Promise<PriceTestCheck> {
      return withTenant(db, input.tenantId, (tx) => checkPriceTest(tx, input.tenantId, input.testId, new Date()));
    },
  };
}

/**
 * A paid order priced by a running test's quote is that test's conversion, recorded in the event's
 * own transaction: once per test and order, however often the trigger runs, and durable whatever
 * happens to the test's workflow.
 */
export function testsTriggers(_deps: WorkerDeps): Trigger[] {
  return [
    defineTrigger({
      name: 'pricing.test-conversions',
      on: ['order.created'],
      run: async (event, { tx }) => {
        await recordConversions(tx, event.payload.order_id, event.createdAt);
      },
    }),
  ];
}
