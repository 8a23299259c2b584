import { defineQuery, defineSignal } from '@temporalio/workflow';
import { parseWorkflowId, workflowId } from '../ids';
import type * as workflows from '.';
import { workflowType } from '../workflow-type';

export const WAITLIST_OFFER_KIND = 'waitlist-offer';

export const waitlistOfferWorkflowId = (tenantId: string, entryId: number): string =>
  workflowId(WAITLIST_OFFER_KIND, tenantId, entryId);

export function parseWaitlistOfferWorkflowId(id: string): { tenantId: string; entryId: number } | undefined {
  const parsed = parseWorkflowId(WAITLIST_OFFER_KIND, id);
  return parsed && { tenantId: parsed.tenantId, entryId: Number(parsed.entityId) };
}

export interface WaitlistOfferInput {
  tenantId: string;
  entryId: number;
  eventId: number;
  /** The purchase window (tenant setting `offer_window_s`, 24 h by default). */
  windowMs: number;
}

export type WaitlistOfferStatus = 'offered' | 'purchased' | 'expired' | 'cancelled';

export interface WaitlistOfferState {
  status: WaitlistOfferStatus;
  entryId: number;
  /** Entries the released seats were offered to when this offer expired. */
  nextEntryIds: number[];
}

/** The API committed a purchase or the entry leaving; the workflow only stops its timer. */
export const closeOfferSignal = defineSignal<[{ outcome: 'purchased' | 'cancelled' }]>('closeOffer');
export const getOfferStateQuery = defineQuery<WaitlistOfferState>('getOfferState');

/** How the API and triggers start it: typed by the function, whose code they never load. */
export const waitlistOfferWorkflowType = workflowType<typeof workflows>()('waitlistOfferWorkflow');
