import { createHash } from 'node:crypto';
import { withTenant } from '../../../db/connection';
import {
  assignWinner,
  campaignOutstanding,
  campaignStats,
  countCampaignMessages,
  engagementHistory,
  getCampaign,
  releaseQueued,
  setCampaignState,
  setSendTimes,
  snapshotAudience,
  type CampaignRow,
} from '../../../db/crm/campaigns';
import { emit } from '../../../db/platform/outbox';
import { chooseWinner } from '../../../domain/crm/ab-test';
import { sendTimes } from '../../../domain/crm/send-time';
import type { WorkerDeps } from '../../deps';

export interface CampaignRef {
  tenantId: string;
  campaignId: number;
}

/** A stable 0..1 per customer and campaign: where in its hour a customer's e-mail goes. */
const jitterFor =
  (campaignId: number) =>
  (customerId: number): number =>
    createHash('sha256').update(`${campaignId}:${customerId}`).digest().readUInt32BE(0) / 2 ** 32;

const done = (c: CampaignRow): boolean => c.status === 'cancelled' || c.status === 'sent';

/** The campaign workflow's steps; each is idempotent (guarded by the campaign's state or dedupe keys). */
export function createCampaignWorkflowActivities(deps: Pick<WorkerDeps, 'db'>) {
  return {
    /**
     * Snapshots the audience, sets send times (send-time optimisation), and queues the test share
     * (or everyone, without variants). Answers the recipients and whether an A/B test runs.
     */
    async crmCampaignSnapshot(ref: CampaignRef): Promise<{ cancelled: boolean; recipients: number; ab: boolean }> {
      return withTenant(deps.db, ref.tenantId, async (tx) => {
        const campaign = await getCampaign(tx, ref.campaignId, { forUpdate: true });
        if (!campaign || done(campaign)) return { cancelled: true, recipients: 0, ab: false };
        const ab = campaign.variants.length > 1;
        const firstRun = !campaign.started_at;
        if (firstRun) {
          await snapshotAudience(tx, ref.tenantId, campaign);
          if (campaign.send_time_optimised) {
            const history = await engagementHistory(tx, campaign.id);
            const times = sendTimes(
              history.map((h) => ({ customerId: h.customer_id, timezone: h.timezone, at: h.at })),
              new Date(),
              campaign.spread_s * 1000,
              jitterFor(campaign.id),
            );
            await setSendTimes(tx, campaign.id, times);
          }
        }
        const recipients = await countCampaignMessages(tx, campaign.id);
        if (firstRun) {
          await setCampaignState(tx, campaign.id, { status: ab ? 'testing' : 'sending', started_at: new Date() });
          await emit(tx, ref.tenantId, {
            type: 'crm.campaign_started',
            aggregateType: 'campaign',
            aggregateId: campaign.id,
            payload: { campaign_id: campaign.id, segment_id: campaign.segment_id, recipients },
          });
        }
        await releaseQueued(tx, ref.tenantId, campaign.id);
        return { cancelled: false, recipients, ab };
      });
    },

    /**
     * Chooses the A/B winner (by click or conversion rate, never opens) unless staff chose one, and
     * queues it for the rest of the audience. A second call answers the first choice.
     */
    async crmCampaignChooseWinner(
      ref: CampaignRef & { manual?: string },
    ): Promise<{ cancelled: boolean; variant: string; manual: boolean; pValue: number | null }> {
      return withTenant(deps.db, ref.tenantId, async (tx) => {
        const campaign = await getCampaign(tx, ref.campaignId, { forUpdate: true });
        if (!campaign || done(campaign)) return { cancelled: true, variant: '', manual: false, pValue: null };
        let variant = campaign.winner_variant as string | null;
        let manual = campaign.winner_manual;
        let pValue = campaign.winner_p_value;
        if (!variant) {
          const chosenByStaff = ref.manual && campaign.variants.some((v) => v.key === ref.manual) ? ref.manual : null;
          if (chosenByStaff) {
            variant = chosenByStaff;
            manual = true;
            pValue = null;
          } else {
            const stats = await campaignStats(tx, campaign.id, campaign.attribution_days);
            const result = chooseWinner(
              campaign.variants.map((v) => {
                const s = stats.find((x) => x.variant === v.key);
                return {
                  key: v.key,
                  sent: s?.sent ?? 0,
                  successes: (campaign.winner_metric === 'conversion_rate' ? s?.conversions : s?.unique_clicks) ?? 0,
                };
              }),
            );
            variant = result.winner;
            manual = false;
            pValue = result.pValue;
          }
          await setCampaignState(tx, campaign.id, {
            winner_variant: variant as CampaignRow['winner_variant'],
            winner_manual: manual,
            winner_p_value: pValue,
            status: 'sending',
          });
          await emit(tx, ref.tenantId, {
            type: 'crm.campaign_winner_chosen',
            aggregateType: 'campaign',
            aggregateId: campaign.id,
            payload: { campaign_id: campaign.id, variant, metric: campaign.winner_metric, manual, p_value: pValue },
          });
        }
        const winner = campaign.variants.find((v) => v.key === variant);
        if (winner) await assignWinner(tx, campaign.id, winner);
        await releaseQueued(tx, ref.tenantId, campaign.id);
        return { cancelled: false, variant, manual, pValue };
      });
    },

    async crmCampaignProgress(ref: CampaignRef): Promise<{ cancelled: boolean; pending: number; unsent: number }> {
      return withTenant(deps.db, ref.tenantId, async (tx) => {
        const campaign = await getCampaign(tx, ref.campaignId);
        if (!campaign || campaign.status === 'cancelled') return { cancelled: true, pending: 0, unsent: 0 };
        return { cancelled: false, ...(await campaignOutstanding(tx, ref.campaignId)) };
      });
    },

    /** Marks the campaign sent and emits `crm.campaign_completed`, once. */
    async crmCampaignComplete(ref: CampaignRef): Promise<{ sent: number; suppressed: number }> {
      return withTenant(deps.db, ref.tenantId, async (tx) => {
        const campaign = await getCampaign(tx, ref.campaignId, { forUpdate: true });
        const stats = await campaignStats(tx, ref.campaignId, campaign?.attribution_days ?? 7);
        const sent = stats.reduce((n, s) => n + s.sent, 0);
        const suppressed = stats.reduce((n, s) => n + s.suppressed, 0);
        if (campaign && !done(campaign)) {
          await setCampaignState(tx, campaign.id, { status: 'sent', completed_at: new Date() });
          await emit(tx, ref.tenantId, {
            type: 'crm.campaign_completed',
            aggregateType: 'campaign',
            aggregateId: campaign.id,
            payload: { campaign_id: campaign.id, sent, suppressed },
          });
        }
        return { sent, suppressed };
      });
    },
  };
}
