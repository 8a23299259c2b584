/**
 * `npm run bench:crm`: the CRM module's figures, one JSON object. Each part runs as its own
 * process with its own Postgres and Temporal (so one part's data never slows another's):
 * - `segment_eval_ms`: the proposal's three-condition segment re-evaluated over `CRM_CUSTOMERS`
 *   customers (default 1,000,000; target ≤ 1,000 ms), bench/crm-segments.ts;
 * - `metrics_refresh_s`: RFM, BG/NBD + Gamma-Gamma fit and scoring of every customer of a tenant
 *   with `CRM_METRICS_CUSTOMERS` customers and ~4.6 orders each (default 100,000), bench/crm-metrics.ts;
 * - `campaign_100k_s` and `duplicates_sent`: `CRM_RECIPIENTS` e-mails (default 100,000) rendered
 *   and accepted by a local SMTP receiver (target ≤ 60 s, 0 duplicates), bench/crm-campaign.ts;
 * - `automation_enrolments_per_s`: `CRM_ENROLMENTS` customers (default 10,000) entering a segment
 *   at once, enrolled and their workflows started, bench/crm-automations.ts.
 * `CRM_PARTS=segments,metrics` runs only some parts.
 */
import { runBenchParts, type BenchPart } from './parts';

const env = process.env;
const PARTS: BenchPart[] = [
  { name: 'segments', file: 'crm-segments.ts', env: { CUSTOMERS: env.CRM_CUSTOMERS ?? '1000000' } },
  { name: 'metrics', file: 'crm-metrics.ts', env: { BENCH_CUSTOMERS: env.CRM_METRICS_CUSTOMERS ?? '100000' } },
  { name: 'campaign', file: 'crm-campaign.ts', env: { RECIPIENTS: env.CRM_RECIPIENTS ?? '100000' } },
  { name: 'automations', file: 'crm-automations.ts', env: { BENCH_ENROLMENTS: env.CRM_ENROLMENTS ?? '10000' } },
];

runBenchParts('crm', PARTS, process.env.CRM_PARTS, (pick) => ({
  segment_eval_ms: pick('segments', 'segment_eval_ms'),
  metrics_refresh_s: pick('metrics', 'metrics_refresh_s'),
  campaign_100k_s: pick('campaign', 'campaign_100k_s'),
  duplicates_sent: pick('campaign', 'duplicates_sent'),
  automation_enrolments_per_s: pick('automations', 'automation_enrolments_per_s'),
})).catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
