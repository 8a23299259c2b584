import { defineQuery } from '@temporalio/workflow';
import { workflowId } from '../ids';
import type { PassScope } from '../../domain/wallet/scope';
import type * as workflows from '.';
import { workflowType } from '../workflow-type';

export const WALLET_PUSH_KIND = 'wallet-push';

/** One fan-out per change: the event and the outbox event that announced the change. */
export const walletPushWorkflowId = (tenantId: string, eventId: number, version: number | string): string =>
  workflowId(WALLET_PUSH_KIND, tenantId, `${eventId}-${version}`);

export interface WalletPushInput {
  tenantId: string;
  scope: PassScope;
  /** Whether the event itself changed, so Google's event class is rewritten too. */
  eventChanged: boolean;
  /** Devices per activity: each batch goes out over one multiplexed HTTP/2 session. */
  batchSize: number;
  /** Batches in flight at once. */
  parallelBatches: number;
  /** Rounds of re-sending to devices APNs could not take (throttled, unavailable), `retryDelayMs` apart. */
  retryRounds: number;
  retryDelayMs: number;
}

export interface WalletPushState {
  status: 'planning' | 'pushing' | 'retrying' | 'updating_google' | 'done';
  batches: number;
  batchesDone: number;
  devices: number;
  sent: number;
  /** Registrations dropped because APNs said the device no longer has the pass. */
  removed: number;
  /** Devices still unreachable after every retry round. */
  failed: number;
  googleUpdated: number;
}

export const getWalletPushStateQuery = defineQuery<WalletPushState>('getWalletPushState');

/** How the API and triggers start it: typed by the function, whose code they never load. */
export const walletPushWorkflowType = workflowType<typeof workflows>()('walletPushWorkflow');
