import { defineQuery, defineSignal } from '@temporalio/workflow';
import { parseWorkflowId, workflowId } from '../ids';
import { searchAttributes } from '../search-attributes';
import { workflowType } from '../workflow-type';
import type * as workflows from '.';

// ---- Repricer: one per ticket type with active rules ---------------------------------------------

/** `pricing-repricer/<tenantId>/<ticketTypeId>`. */
export const PRICING_REPRICER_KIND = 'pricing-repricer';

export const pricingRepricerWorkflowId = (tenantId: string, ticketTypeId: number): string =>
  workflowId(PRICING_REPRICER_KIND, tenantId, ticketTypeId);

export function parsePricingRepricerWorkflowId(id: string): { tenantId: string; ticketTypeId: number } | undefined {
  const parsed = parseWorkflowId(PRICING_REPRICER_KIND, id);
  return parsed && { tenantId: parsed.tenantId, ticketTypeId: Number(parsed.entityId) };
}

export interface PricingRepricerInput {
  tenantId: string;
  ticketTypeId: number;
  /** Evaluations per run before continuing as new, so the history stays small (default 100). */
  evaluationsPerRun?: number;
  /** Carried over continue-as-new. */
  evaluations?: number;
}

export interface PricingRepricerState {
  status: 'evaluating' | 'sleeping' | 'ended';
  evaluations: number;
  priceMinor: number | null;
  nextEvaluationAt: string | null;
  endedBecause?: RepricerEnd;
}

export type RepricerEnd = 'no_active_rules' | 'event_started' | 'ticket_type_gone';

/** What one evaluation did, as the activity returns it. */
export type RepricerEvaluation =
  | { status: 'evaluated'; priceMinor: number; changed: boolean; nextEvaluationAt: string | null }
  | { status: 'ended'; reason: RepricerEnd };

/** A rule of the ticket type was created, changed, paused, resumed or deleted: evaluate now. */
export const rulesChangedSignal = defineSignal<[{ ruleId: number }]>('rulesChanged');
export const getRepricerStateQuery = defineQuery<PricingRepricerState>('getRepricerState');

export const pricingRepricerWorkflowType = workflowType<typeof workflows>()('pricingRepricerWorkflow');

/** How every starter (routes, triggers) starts or signals a ticket type's repricer. */
export function pricingRepricerStart(taskQueue: string, tenantId: string, ticketTypeId: number, eventId: number) {
  return {
    taskQueue,
    workflowId: pricingRepricerWorkflowId(tenantId, ticketTypeId),
    args: [{ tenantId, ticketTypeId } satisfies PricingRepricerInput] as [PricingRepricerInput],
    typedSearchAttributes: searchAttributes(tenantId, eventId),
  };
}

// ---- Demand sweep: one per tenant with active demand rules ---------------------------------------

/** `pricing-demand-sweep/<tenantId>/demand`: re-evaluates every demand-priced ticket type in batches. */
export const PRICING_DEMAND_SWEEP_KIND = 'pricing-demand-sweep';

export const pricingDemandSweepWorkflowId = (tenantId: string): string =>
  workflowId(PRICING_DEMAND_SWEEP_KIND, tenantId, 'demand');

export interface PricingDemandSweepInput {
  tenantId: string;
  /** Overrides the tenant's `demand_evaluation_minutes` between sweeps (tests run it in seconds). */
  intervalMs?: number;
  /** Pages evaluated side by side (default 3). */
  concurrency?: number;
  /** Sweeps per run before continuing as new (default 50). */
  sweepsPerRun?: number;
  sweeps?: number;
}

/** The pages of one sweep, each the ticket types in (after, until] (until null: to the end). */
export interface DemandSweepPlan {
  pages: { after: number; until: number | null }[];
  /** Milliseconds until the next sweep (the tenant's `demand_evaluation_minutes`). */
  intervalMs: number;
}

export interface DemandSweepPage {
  /** Ticket types evaluated in this page. */
  evaluated: number;
  changed: number;
}

export interface PricingDemandSweepState {
  status: 'sweeping' | 'sleeping' | 'ended';
  sweeps: number;
  lastEvaluated: number;
  lastChanged: number;
}

/** A demand rule changed: sweep now instead of at the next interval. */
export const demandRulesChangedSignal = defineSignal<[]>('demandRulesChanged');
export const getDemandSweepStateQuery = defineQuery<PricingDemandSweepState>('getDemandSweepState');

export const pricingDemandSweepWorkflowType = workflowType<typeof workflows>()('pricingDemandSweepWorkflow');

export function pricingDemandSweepStart(taskQueue: string, tenantId: string) {
  return {
    taskQueue,
    workflowId: pricingDemandSweepWorkflowId(tenantId),
    args: [{ tenantId } satisfies PricingDemandSweepInput] as [PricingDemandSweepInput],
    typedSearchAttributes: searchAttributes(tenantId),
  };
}
