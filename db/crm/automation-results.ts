/** What automations achieve: conversions attributed to enrolments, and the treated-versus-holdout report. */
import type { Tx } from '../connection';

/** How long after an enrolment ends a purchase still counts as its conversion. */
export const CONVERSION_WINDOW_DAYS = 30;

/**
 * A paid order converts the customer's enrolments that were active when it was paid, or ended
 * within the conversion window: the first order sets `converted_at`, every one adds revenue.
 */
export async function recordConversion(
  tx: Tx,
  customerId: number,
  order: { totalMinor: number; currency: string },
): Promise<number> {
  return tx('automation_enrolments')
    .where({ customer_id: customerId })
    .where((q) =>
      q
        .whereIn('status', ['running', 'paused'])
        .orWhere('ended_at', '>', tx.raw(`now() - interval '${CONVERSION_WINDOW_DAYS} days'`)),
    )
    .where('enrolled_at', '<', tx.fn.now())
    .update({
      converted_at: tx.raw('coalesce(converted_at, now())'),
      revenue_minor: tx.raw('revenue_minor + ?', [order.totalMinor]),
      currency: tx.raw('coalesce(currency, ?)', [order.currency]),
    });
}

export interface AutomationReport {
  enrolled: number;
  held_out: number;
  treated: number;
  running: number;
  completed: number;
  exited: number;
  sent: number;
  delivered: number;
  suppressed: number;
  unique_clicks: number;
  conversions: { treated: number; holdout: number };
  revenue_minor: { treated: number; holdout: number };
  conversion_rate: { treated: number | null; holdout: number | null };
  incremental_conversions: number | null;
  incremental_revenue_minor: number | null;
  window_days: number;
}

/**
 * The automation's figures: enrolments by group, messages and unique clickers, conversions (a paid
 * order between enrolment and `windowDays` after it) and revenue per group, and the lift of the
 * treated group over the holdout scaled to the treated group's size.
 */
export async function automationReport(tx: Tx, automationId: number, windowDays: number): Promise<AutomationReport> {
  const {
    rows: [e],
  } = await tx.raw<{
    rows: {
      enrolled: number;
      held_out: number;
      running: number;
      completed: number;
      exited: number;
      conv_t: number;
      conv_h: number;
      rev_t: number;
      rev_h: number;
    }[];
  }>(
    `with conv as (
       select e.id, e.holdout, e.status,
              (select coalesce(sum(o.total_minor), 0) from orders o
                where o.customer_id = e.customer_id and o.status = 'paid'
                  and o.paid_at > e.enrolled_at and o.paid_at <= e.enrolled_at + make_interval(days => ?)) as revenue,
              exists (select 1 from orders o
                where o.customer_id = e.customer_id and o.status = 'paid'
                  and o.paid_at > e.enrolled_at and o.paid_at <= e.enrolled_at + make_interval(days => ?)) as converted
         from automation_enrolments e where e.automation_id = ?
     )
     select count(*)::int as enrolled,
            count(*) filter (where holdout)::int as held_out,
            count(*) filter (where status in ('running', 'paused'))::int as running,
            count(*) filter (where status = 'completed')::int as completed,
            count(*) filter (where status = 'exited')::int as exited,
            count(*) filter (where converted and not holdout)::int as conv_t,
            count(*) filter (where converted and holdout)::int as conv_h,
            coalesce(sum(revenue) filter (where not holdout), 0)::bigint as rev_t,
            coalesce(sum(revenue) filter (where holdout), 0)::bigint as rev_h
       from conv`,
    [windowDays, windowDays, automationId],
  );
  const {
    rows: [m],
  } = await tx.raw<{
    rows: { sent: number; delivered: number; suppressed: number; unique_clicks: number }[];
  }>(
    `select count(*) filter (where status in ('queued', 'sending', 'sent', 'failed'))::int as sent,
            count(*) filter (where status = 'sent')::int as delivered,
            count(*) filter (where status = 'suppressed')::int as suppressed,
            (select count(distinct ev.customer_id) from email_events ev
               join crm_messages mm on mm.id = ev.message_id
              where mm.automation_id = ? and ev.kind = 'click')::int as unique_clicks
       from crm_messages where automation_id = ?`,
    [automationId, automationId],
  );
  const treated = e.enrolled - e.held_out;
  const rate = (n: number, d: number): number | null => (d > 0 ? n / d : null);
  const rateT = rate(e.conv_t, treated);
  const rateH = rate(e.conv_h, e.held_out);
  const revPerH = e.held_out > 0 ? Number(e.rev_h) / e.held_out : null;
  return {
    enrolled: e.enrolled,
    held_out: e.held_out,
    treated,
    running: e.running,
    completed: e.completed,
    exited: e.exited,
    sent: m.sent,
    delivered: m.delivered,
    suppressed: m.suppressed,
    unique_clicks: m.unique_clicks,
    conversions: { treated: e.conv_t, holdout: e.conv_h },
    revenue_minor: { treated: Number(e.rev_t), holdout: Number(e.rev_h) },
    conversion_rate: { treated: rateT, holdout: rateH },
    incremental_conversions:
      rateT !== null && rateH !== null ? Math.round((rateT - rateH) * treated * 100) / 100 : null,
    incremental_revenue_minor: revPerH !== null && treated > 0 ? Math.round(Number(e.rev_t) - revPerH * treated) : null,
    window_days: windowDays,
  };
}
