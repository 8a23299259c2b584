/**
 * Campaign send benchmark: `campaign_100k_s`, the time from starting a campaign to a 100,000-customer
 * segment until every e-mail has been rendered (MJML + Liquid, tracked links, List-Unsubscribe) and
 * accepted by a local SMTP receiver (smtp-server, in process), through the production path: the
 * campaign workflow's snapshot activity, the outbox dispatcher and the `crm.send` sender trigger,
 * as the application role (row-level security on). `duplicates_sent` counts Message-IDs the
 * receiver got more than once (must be 0).
 *
 *   npx tsx bench/crm-campaign.ts      (RECIPIENTS=100000 by default)
 *
 * `benchCampaign` is exported for the module's combined benchmark (`npm run bench:crm`).
 */
import { runBench, withBenchStack } from './stack';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { Client, Connection } from '@temporalio/client';
import { OutboxDispatcher } from '../activities/platform/dispatcher';
import { crmSenderTrigger } from '../activities/crm/campaigns/sender';
import { createCampaignWorkflowActivities } from '../activities/crm/campaigns/workflow-activities';
import { withTenant, type Db } from '../db/connection';
import { createCampaign } from '../db/crm/campaigns';
import { createTemplate } from '../db/crm/templates';
import { upsertModule } from '../db/platform/modules';
import { createTenant } from '../db/tenants/tenants';
import { createMailer } from '../integrations/mail/mailer';
import { loadConfig } from '../lib/config';
import { createLogger } from '../lib/logger';

export interface CampaignBenchResult {
  recipients: number;
  seed_s: number;
  snapshot_s: number;
  campaign_100k_s: number;
  emails_per_s: number;
  accepted: number;
  duplicates_sent: number;
  targets: { campaign_100k_s: number; duplicates_sent: number };
}

const MJML = `<mjml><mj-body>
  <mj-section><mj-column>
    <mj-text font-size="20px">Hi {{ customer.first_name }},</mj-text>
    <mj-text>New dates are on sale in {{ customer.city | default: "your city" }}. You have been to {{ customer.total_orders }} of our shows.</mj-text>
    <mj-button href="https://tickets.example/events?c={{ customer.id }}">See the events</mj-button>
  </mj-column></mj-section>
  <mj-raw>{% if customer.total_orders > 3 %}</mj-raw>
  <mj-section><mj-column><mj-text>Thank you for being a regular: use code LOYAL10.</mj-text></mj-column></mj-section>
  <mj-raw>{% endif %}</mj-raw>
  <mj-section><mj-column><mj-text font-size="11px"><a href="{{ unsubscribe_url }}">Unsubscribe</a></mj-text></mj-column></mj-section>
</mj-body></mjml>`;

async function startReceiver(): Promise<{ url: string; ids: Map<string, number>; stop(): Promise<void> }> {
  const ids = new Map<string, number>();
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    disableReverseLookup: true,
    maxClients: 200,
    onData(stream, _session, callback) {
      let head = '';
      stream.on('data', (c: Buffer) => {
        if (head.length < 4096) head += c.toString('utf8');
      });
      stream.on('end', () => {
        const id = /^Message-ID:\s*(.*)$/im.exec(head)?.[1]?.trim() ?? '';
        ids.set(id, (ids.get(id) ?? 0) + 1);
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.server.address() as AddressInfo).port;
  return {
    url: `smtp://127.0.0.1:${port}`,
    ids,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function seed(owner: Db, tenantId: string, recipients: number): Promise<number> {
  await owner.raw(
    `insert into customers (tenant_id, email, name, city, marketing_consent)
     select ?, 'bench-' || g || '@example.com', 'Customer ' || g, (array['Berlin','Wien','Paris'])[1 + g % 3], true
     from generate_series(1, ?) g`,
    [tenantId, recipients],
  );
  await owner.raw(
    `insert into customer_metrics (tenant_id, customer_id, total_orders, total_spent_minor)
     select tenant_id, id, id % 7, (id % 7) * 4500 from customers where tenant_id = ?`,
    [tenantId],
  );
  const [segment] = await owner('customer_segments')
    .insert({ tenant_id: tenantId, name: 'Everyone', rules: JSON.stringify({ conditions: [] }), is_dynamic: false })
    .returning('id');
  await owner.raw(
    `insert into customer_segment_members (tenant_id, segment_id, customer_id)
     select tenant_id, ?, id from customers where tenant_id = ?`,
    [segment.id, tenantId],
  );
  await owner.raw('vacuum analyze customers, customer_metrics, customer_segment_members');
  return Number(segment.id);
}

/** Seeds a tenant with `recipients` consenting customers in one segment and sends one campaign to them. */
export async function benchCampaign(
  owner: Db,
  app: Db,
  recipients: number,
  opts: { concurrency?: number } = {},
): Promise<CampaignBenchResult> {
  const concurrency = opts.concurrency ?? 16;
  const tenant = await createTenant(owner, { name: 'CRM campaign bench' });
  await upsertModule(owner, tenant.id, 'crm', {
    enabled: true,
    settings: { send_rate_per_s: 10_000, frequency_cap_per_week: 100 },
  });
  const seedStart = performance.now();
  const segmentId = await seed(owner, tenant.id, recipients);
  const seedS = (performance.now() - seedStart) / 1000;
  const campaign = await withTenant(app, tenant.id, async (tx) => {
    const template = await createTemplate(tx, tenant.id, {
      name: 'Bench',
      subject: 'News for {{ customer.first_name }}',
      mjml: MJML,
    });
    return createCampaign(tx, tenant.id, {
      name: 'Bench campaign',
      segment_id: segmentId,
      variants: [{ key: 'A', template_id: template.id }],
    });
  });

  const receiver = await startReceiver();
  const logger = createLogger('bench', 'silent');
  const config = loadConfig({
    DATABASE_URL: 'postgres://unused',
    APP_DATABASE_URL: 'postgres://unused',
    SMTP_URL: receiver.url,
  });
  const mailer = createMailer({ smtpUrl: receiver.url, from: config.MAIL_FROM, logger, maxConnections: concurrency });
  const temporal = new Client({ connection: Connection.lazy({ address: '127.0.0.1:1' }) });
  const dispatcher = new OutboxDispatcher({
    db: app,
    config,
    logger,
    temporal,
    concurrency,
    batchSize: 200,
    pollIntervalMs: 20,
    triggers: [crmSenderTrigger({ db: app, mailer, config, logger })],
  });
  const activities = createCampaignWorkflowActivities({ db: app });
  const accepted = (): number => [...receiver.ids.values()].reduce((n, c) => n + c, 0);

  const started = performance.now();
  try {
    const snapshot = await activities.crmCampaignSnapshot({ tenantId: tenant.id, campaignId: campaign.id });
    const snapshotS = (performance.now() - started) / 1000;
    let drained = false;
    const draining = (async () => {
      while (!drained) if (!(await dispatcher.drain())) await new Promise((r) => setTimeout(r, 20));
    })();
    while (receiver.ids.size < snapshot.recipients) await new Promise((r) => setTimeout(r, 50));
    const seconds = (performance.now() - started) / 1000;
    drained = true;
    await draining;
    const total = accepted();
    return {
      recipients: snapshot.recipients,
      seed_s: Number(seedS.toFixed(1)),
      snapshot_s: Number(snapshotS.toFixed(2)),
      campaign_100k_s: Number(((seconds * 100_000) / Math.max(1, snapshot.recipients)).toFixed(1)),
      emails_per_s: Math.round(snapshot.recipients / seconds),
      accepted: total,
      duplicates_sent: total - receiver.ids.size,
      targets: { campaign_100k_s: 60, duplicates_sent: 0 },
    };
  } finally {
    mailer.close();
    await receiver.stop();
    await temporal.connection.close().catch(() => undefined);
  }
}

async function main(): Promise<void> {
  const recipients = Number(process.env.RECIPIENTS ?? 100_000);
  await withBenchStack({ name: 'crm-campaign', pool: 40 }, async ({ owner, db }) =>
    console.log(JSON.stringify({ benchmark: 'crm-campaign', ...(await benchCampaign(owner, db, recipients)) })),
  );
}

if (require.main === module) runBench(main);
