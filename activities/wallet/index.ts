import { withTenant, type Db } from '../../db/connection';
import {
  googlePassBatches,
  googlePassesInRange,
  pushBatches,
  registrationsFor,
  removeRegistrations,
} from '../../db/wallet/push';
import { loadEventPassSubject, loadPassSubject } from '../../db/wallet/passes';
import { googleEventTicketClass, googleEventTicketObject } from '../../domain/wallet/design';
import type { Config } from '../../lib/config';
import { ApnsClient } from '../../integrations/wallet/apns';
import { GoogleWalletClient } from '../../integrations/wallet/google';
import { apnsSettings, googleWalletSettings } from '../../integrations/wallet/settings';
import type { IdRange, PassScope } from '../../domain/wallet/scope';

export interface WalletActivityDeps {
  db: Db;
  config: Config;
}

export function createWalletActivities({ db, config }: WalletActivityDeps) {
  const apns = apnsSettings(config);
  const google = googleWalletSettings(config);
  // One APNs session and one OAuth token per worker process, shared by every batch it runs.
  let apnsClient: ApnsClient | undefined;
  let googleClient: GoogleWalletClient | undefined;

  return {
    /** Cuts the fan-out into batches; a platform the server is not configured for gets none. */
    async planWalletPush(input: {
      tenantId: string;
      scope: PassScope;
      batchSize: number;
    }): Promise<{ apple: IdRange[]; google: IdRange[] }> {
      return withTenant(db, input.tenantId, async (tx) => ({
        apple: apns ? await pushBatches(tx, input.scope, input.batchSize) : [],
        google: google ? await googlePassBatches(tx, input.scope, input.batchSize) : [],
      }));
    },

    /** Pushes one batch; drops registrations APNs says are gone and hands back those to try again. */
    async pushAppleBatch(input: {
      tenantId: string;
      scope: PassScope;
      range?: IdRange;
      ids?: number[];
    }): Promise<{ sent: number; removed: number; retry: number[] }> {
      if (!apns) return { sent: 0, removed: 0, retry: [] };
      const which = input.ids ? { ids: input.ids } : (input.range as IdRange);
      const registrations = await withTenant(db, input.tenantId, (tx) => registrationsFor(tx, input.scope, which));
      apnsClient ??= new ApnsClient(apns);
      const result = await apnsClient.push(registrations, (r) => r.push_token);
      if (result.gone.length)
        await withTenant(db, input.tenantId, (tx) =>
          removeRegistrations(
            tx,
            result.gone.map((r) => r.id),
          ),
        );
      return { sent: result.sent.length, removed: result.gone.length, retry: result.retry.map((r) => r.id) };
    },

    async updateGoogleClass(input: { tenantId: string; eventId: number }): Promise<void> {
      if (!google) return;
      const subject = await withTenant(db, input.tenantId, (tx) => loadEventPassSubject(tx, input.eventId));
      if (!subject) return;
      googleClient ??= new GoogleWalletClient(google);
      const ticketClass = googleEventTicketClass(google.issuerId, input.tenantId, subject);
      await googleClient.patch('eventTicketClass', String(ticketClass.id), ticketClass);
    },

    /** Rewrites the Google objects of a batch of passes (voided tickets become INACTIVE); returns how many Google had. */
    async updateGoogleBatch(input: { tenantId: string; scope: PassScope; range: IdRange }): Promise<number> {
      if (!google) return 0;
      googleClient ??= new GoogleWalletClient(google);
      const client = googleClient;
      const objects = await withTenant(db, input.tenantId, async (tx) => {
        const out: Record<string, unknown>[] = [];
        for (const pass of await googlePassesInRange(tx, input.scope, input.range)) {
          const subject = await loadPassSubject(tx, pass.ticket_id);
          if (subject) out.push(googleEventTicketObject(google.issuerId, input.tenantId, subject));
        }
        return out;
      });
      let updated = 0;
      for (const object of objects) {
        if ((await client.patch('eventTicketObject', String(object.id), object)) === 'updated') updated++;
      }
      return updated;
    },
  };
}

export type WalletActivities = ReturnType<typeof createWalletActivities>;
