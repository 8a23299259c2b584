import { WorkflowNotFoundError } from '@temporalio/client';
import type { z } from 'zod';
import type { Tx } from '../../db/connection';
import {
  campaignStats,
  cancelUnsent,
  createCampaign,
  getCampaign,
  listCampaigns,
  segmentExists,
  setCampaignState,
  templatesExist,
  updateCampaign,
  type CampaignInput,
  type CampaignRow,
  type VariantKey,
} from '../../db/crm/campaigns';
import { chooseWinner } from '../../domain/crm/ab-test';
import { AppError, conflict, notFound } from '../../lib/errors';
import { startIdempotent } from '../../lib/temporal';
import {
  cancelCampaignSignal,
  chooseCampaignWinnerSignal,
  crmCampaignStartOptions,
  crmCampaignWorkflowId,
  crmCampaignWorkflowType,
} from '../../workflows/crm/contract';
import type { RouterDeps } from '../deps';
import { defineRoute } from '../route';
import { IdParams, isoOrNull, page, Pagination, toPage } from '../schemas/common';
import { Campaign, CampaignReport, ChooseWinner, CreateCampaign, UpdateCampaign } from './campaign-schemas';
import { templateRoutes } from './templates';
import { trackingRoutes } from './tracking';

const DEFAULT_TEST_SHARE_PCT = 20;

const toCampaign = (c: CampaignRow): z.infer<typeof Campaign> => ({
  id: c.id,
  name: c.name,
  segment_id: c.segment_id,
  status: c.status,
  variants: c.variants,
  test_share_pct: c.test_share_pct,
  winner_metric: c.winner_metric,
  test_wait_s: c.test_wait_s,
  winner_variant: c.winner_variant,
  winner_manual: c.winner_manual,
  send_time_optimised: c.send_time_optimised,
  spread_s: c.spread_s,
  attribution_days: c.attribution_days,
  scheduled_at: isoOrNull(c.scheduled_at),
  started_at: isoOrNull(c.started_at),
  completed_at: isoOrNull(c.completed_at),
  workflow_id: c.workflow_id,
  created_at: c.created_at.toISOString(),
});

async function loadCampaign(tx: Tx, id: number, forUpdate = false): Promise<CampaignRow> {
  const c = await getCampaign(tx, id, { forUpdate });
  if (!c) throw notFound('Campaign');
  return c;
}

type CampaignBody = z.infer<typeof UpdateCampaign>;

/** The body's variants, or the single variant A its template_id and subject make. */
function variantsOf(body: CampaignBody): CampaignInput['variants'] | undefined {
  if (body.variants)
    return body.variants.map((v) => ({ key: v.key, subject: v.subject ?? null, template_id: v.template_id }));
  if (body.template_id) return [{ key: 'A', subject: body.subject ?? null, template_id: body.template_id }];
  return undefined;
}

async function assertReferences(tx: Tx, body: { segment_id?: number }, variants?: CampaignInput['variants']) {
  if (body.segment_id !== undefined && !(await segmentExists(tx, body.segment_id))) throw notFound('Segment');
  if (
    variants &&
    !(await templatesExist(
      tx,
      variants.map((v) => v.template_id),
    ))
  )
    throw notFound('Template');
}

/** Templates, campaigns (A/B tests, send-time optimisation, reports) and the tracking links of their e-mails. */
export function campaignRoutes(deps: RouterDeps): void {
  const tags = ['crm'];
  const module = 'crm' as const;
  trackingRoutes(deps);

  templateRoutes(deps);

  // ---- Campaigns ----

  defineRoute(deps, {
    method: 'post',
    path: '/api/crm/campaigns',
    summary: 'Create a campaign to a segment: one template, or up to four A/B variants',
    tags,
    access: { scope: 'write', module },
    body: CreateCampaign,
    idempotent: true,
    responses: { 201: { description: 'Created (draft, or scheduled)', schema: Campaign } },
    handler: async ({ tx, auth, body }) => {
      const variants = variantsOf(body) as CampaignInput['variants'];
      await assertReferences(tx, body, variants);
      const campaign = await createCampaign(tx, auth.tenantId, {
        name: body.name,
        segment_id: body.segment_id,
        variants,
        test_share_pct: body.test_share_pct ?? (variants.length > 1 ? DEFAULT_TEST_SHARE_PCT : 0),
        winner_metric: body.winner_metric,
        test_wait_s: body.test_wait_s,
        send_time_optimised: body.send_time_optimised,
        spread_s: body.spread_s,
        attribution_days: body.attribution_days,
        scheduled_at: body.scheduled_at,
      });
      return { status: 201, body: toCampaign(campaign) };
    },
  });

  defineRoute(deps, {
    method: 'get',
    path: '/api/crm/campaigns',
    summary: 'List campaigns',
    tags,
    access: { scope: 'read', module },
    query: Pagination,
    responses: { 200: { description: 'A page of campaigns', schema: page(Campaign) } },
    handler: async ({ tx, query }) => ({
      body: toPage((await listCampaigns(tx, query.limit, query.after)).map(toCampaign), query.limit),
    }),
  });

  defineRoute(deps, {
    method: 'get',
    path: '/api/crm/campaigns/{id}',
    summary: 'A campaign',
    tags,
    access: { scope: 'read', module },
    params: IdParams,
    responses: { 200: { description: 'The campaign', schema: Campaign } },
    handler: async ({ tx, params }) => ({ body: toCampaign(await loadCampaign(tx, params.id)) }),
  });

  defineRoute(deps, {
    method: 'patch',
    path: '/api/crm/campaigns/{id}',
    summary: 'Change a campaign that has not started sending',
    tags,
    access: { scope: 'write', module },
    params: IdParams,
    body: UpdateCampaign,
    responses: { 200: { description: 'Changed', schema: Campaign } },
    handler: async ({ tx, auth, params, body }) => {
      const current = await loadCampaign(tx, params.id, true);
      if (current.status !== 'draft' && current.status !== 'scheduled')
        throw conflict('campaign_started', `The campaign is ${current.status}: it can no longer change`);
      const variants = variantsOf(body);
      await assertReferences(tx, body, variants);
      // template_id and subject are the single-variant form of `variants`, already folded into it.
      const fields: Partial<CampaignInput> = {
        name: body.name,
        segment_id: body.segment_id,
        test_share_pct: body.test_share_pct,
        winner_metric: body.winner_metric,
        test_wait_s: body.test_wait_s,
        send_time_optimised: body.send_time_optimised,
        spread_s: body.spread_s,
        attribution_days: body.attribution_days,
        scheduled_at: body.scheduled_at,
      };
      for (const key of Object.keys(fields) as (keyof CampaignInput)[])
        if (fields[key] === undefined) delete fields[key];
      const saved = await updateCampaign(tx, auth.tenantId, params.id, {
        ...fields,
        ...(variants ? { variants } : {}),
      });
      if (fields.scheduled_at !== undefined)
        await setCampaignState(tx, params.id, { status: fields.scheduled_at ? 'scheduled' : 'draft' });
      return { body: toCampaign((await getCampaign(tx, params.id)) ?? (saved as CampaignRow)) };
    },
  });

  defineRoute(deps, {
    method: 'post',
    path: '/api/crm/campaigns/{id}/send',
    summary:
      'Send a campaign (at its scheduled time, if any): one durable workflow snapshots the segment, runs the A/B test and sends; calling again answers the same send',
    tags,
    access: { scope: 'write', module },
    params: IdParams,
    idempotent: true,
    responses: {
      202: { description: 'Started: follow it with GET /api/crm/campaigns/{id} and /report', schema: Campaign },
      200: { description: 'Already sending or sent', schema: Campaign },
    },
    handler: async ({ tx, auth, params, afterCommit }) => {
      const campaign = await loadCampaign(tx, params.id, true);
      if (campaign.status === 'cancelled') throw conflict('campaign_cancelled', 'The campaign was cancelled');
      const fresh = campaign.status === 'draft' || campaign.status === 'scheduled';
      const workflowId = crmCampaignWorkflowId(auth.tenantId, campaign.id);
      if (fresh)
        await setCampaignState(tx, campaign.id, {
          status: campaign.variants.length > 1 ? 'testing' : 'sending',
          workflow_id: workflowId,
        });
      // Started on every call while it runs, so a call after a crash before the start repairs it.
      if (campaign.status !== 'sent') {
        const delayMs = campaign.scheduled_at ? new Date(campaign.scheduled_at).getTime() - Date.now() : 0;
        afterCommit(async () => {
          await startIdempotent(deps.temporal, crmCampaignWorkflowType, {
            taskQueue: deps.config.TEMPORAL_TASK_QUEUE,
            ...crmCampaignStartOptions(auth.tenantId, campaign.id, campaign.test_wait_s),
            ...(delayMs > 1000 ? { startDelay: delayMs } : {}),
          });
        });
      }
      return {
        status: fresh ? 202 : 200,
        body: async () => toCampaign(campaign),
        headers: { Location: `/api/crm/campaigns/${campaign.id}` },
      };
    },
  });

  defineRoute(deps, {
    method: 'post',
    path: '/api/crm/campaigns/{id}/cancel',
    summary: 'Cancel a campaign: what has not been sent is never sent',
    tags,
    access: { scope: 'write', module },
    params: IdParams,
    responses: { 200: { description: 'Cancelled', schema: Campaign } },
    handler: async ({ tx, auth, params, afterCommit }) => {
      const campaign = await loadCampaign(tx, params.id, true);
      if (campaign.status === 'sent') throw conflict('campaign_sent', 'The campaign has been sent');
      if (campaign.status !== 'cancelled') {
        await setCampaignState(tx, campaign.id, { status: 'cancelled', completed_at: new Date() });
        await cancelUnsent(tx, campaign.id);
        if (campaign.workflow_id)
          afterCommit(async () => {
            try {
              await deps.temporal.workflow
                .getHandle(crmCampaignWorkflowId(auth.tenantId, campaign.id))
                .signal(cancelCampaignSignal);
            } catch (err) {
              // Not started or already ended: the database already says cancelled, which the workflow reads.
              if (!(err instanceof WorkflowNotFoundError)) throw err;
            }
          });
      }
      return { body: toCampaign(await loadCampaign(tx, params.id)) };
    },
  });

  defineRoute(deps, {
    method: 'post',
    path: '/api/crm/campaigns/{id}/winner',
    summary: "Choose an A/B test's winner now (manual override): the rest of the audience gets it",
    tags,
    access: { scope: 'write', module },
    params: IdParams,
    body: ChooseWinner,
    responses: { 202: { description: 'Accepted: the workflow sends the winner', schema: Campaign } },
    handler: async ({ tx, auth, params, body, afterCommit }) => {
      const campaign = await loadCampaign(tx, params.id);
      if (campaign.variants.length < 2) throw new AppError(422, 'no_ab_test', 'The campaign has no A/B test');
      if (!campaign.variants.some((v) => v.key === body.variant))
        throw new AppError(422, 'unknown_variant', `The campaign has no variant ${body.variant}`);
      if (campaign.winner_variant)
        throw conflict('winner_chosen', `Variant ${campaign.winner_variant} was already chosen`);
      if (campaign.status !== 'testing')
        throw conflict('not_testing', `The campaign is ${campaign.status}: its A/B test is not running`);
      afterCommit(async () => {
        await deps.temporal.workflow
          .getHandle(crmCampaignWorkflowId(auth.tenantId, campaign.id))
          .signal(chooseCampaignWinnerSignal, { variant: body.variant as VariantKey });
      });
      return { status: 202, body: toCampaign(campaign) };
    },
  });

  defineRoute(deps, {
    method: 'get',
    path: '/api/crm/campaigns/{id}/report',
    summary:
      'Campaign report per variant: sent, delivered, suppressed, human and machine opens, unique clicks, conversions and revenue within the attribution window, and the A/B result',
    tags,
    access: { scope: 'read', module },
    params: IdParams,
    responses: { 200: { description: 'The report', schema: CampaignReport } },
    handler: async ({ tx, params }) => {
      const campaign = await loadCampaign(tx, params.id);
      const stats = await campaignStats(tx, campaign.id, campaign.attribution_days);
      const rate = (n: number, of: number): number => (of > 0 ? n / of : 0);
      const variants = stats.map((s) => ({
        ...s,
        click_rate: rate(s.unique_clicks, s.sent),
        conversion_rate: rate(s.conversions, s.sent),
      }));
      let abTest: z.infer<typeof CampaignReport>['ab_test'] = null;
      if (campaign.variants.length > 1) {
        const outcomes = campaign.variants.map((v) => {
          const s = stats.find((x) => x.variant === v.key);
          return {
            key: v.key,
            sent: s?.sent ?? 0,
            successes: (campaign.winner_metric === 'conversion_rate' ? s?.conversions : s?.unique_clicks) ?? 0,
          };
        });
        const result = chooseWinner(outcomes);
        abTest = {
          metric: campaign.winner_metric,
          winner: campaign.winner_variant,
          manual: campaign.winner_manual,
          p_value: campaign.winner_p_value ?? result.pValue,
          significant: result.significant,
        };
      }
      return {
        body: {
          campaign_id: campaign.id,
          status: campaign.status,
          attribution_days: campaign.attribution_days,
          variants,
          ab_test: abTest,
        },
      };
    },
  });
}
