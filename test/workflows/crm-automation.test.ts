import fs from 'node:fs';
import path from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { withTenant } from '../../db/connection';
import { recordConsent } from '../../db/crm/consents';
import { createTemplate } from '../../db/crm/templates';
import { upsertModule } from '../../db/platform/modules';
import {
  crmLapseWorkflowId,
  crmScheduleWorkflowId,
  getEnrolmentStateQuery,
  type CrmEnrolmentState,
  type CrmScheduleInput,
} from '../../workflows/crm/contract';
import { searchAttributes } from '../../workflows/search-attributes';
import { createHarness, eventually, type Harness } from '../helpers/harness';
import { createOnSaleEvent, createTenantWithKey, type EventFixture, type TenantFixture } from '../helpers/fixtures';
import { HISTORY_DIR, recordHistory } from '../helpers/histories';

let h: Harness;
let t: TenantFixture;
let f: EventFixture;
let seq = 0;

/** Half a second per day: the win-back's 1, 7 and 14 days take 0.5, 3.5 and 7 s. */
const TIME_SCALE = 0.5 / 86_400;

beforeAll(async () => {
  h = await createHarness({ worker: true });
  t = await createTenantWithKey(h);
  // Three e-mails in a few seconds would trip the default weekly frequency cap.
  await upsertModule(h.owner, t.tenantId, 'crm', { settings: { frequency_cap_per_week: 100, send_rate_per_s: 500 } });
  f = await createOnSaleEvent(t, { inventory: 1000 });
});
afterAll(() => h.stop());

interface Customer {
  id: number;
  email: string;
}

async function consentingCustomer(): Promise<Customer> {
  const email = `auto-${Date.now()}-${++seq}@example.com`;
  const res = await t.api.post<{ id: number }>('/api/customers', { email, name: `Fan ${seq}` });
  expect(res.status).toBe(201);
  await withTenant(h.db, t.tenantId, (tx) =>
    recordConsent(tx, t.tenantId, res.body.id, { channel: 'email', granted: true, source: 'checkout' }),
  );
  return { id: res.body.id, email };
}

async function buy(customerId: number): Promise<number> {
  const order = await t.api.post<{ id: number; status: string }>('/api/orders', {
    event_id: f.eventId,
    customer_id: customerId,
    items: [{ ticket_type_id: f.ticketTypeId, quantity: 1 }],
  });
  expect(order.status).toBe(201);
  return order.body.id;
}

async function template(subject: string): Promise<number> {
  const row = await withTenant(h.db, t.tenantId, (tx) =>
    createTemplate(tx, t.tenantId, {
      name: subject,
      subject,
      mjml: `<mjml><mj-body><mj-section><mj-column><mj-text>Hi {{ customer.first_name }}: ${subject}</mj-text></mj-column></mj-section></mj-body></mjml>`,
    }),
  );
  return row.id;
}

const mailsTo = (c: Customer): string[] => h.mail.filter((m) => m.to.includes(c.email)).map((m) => m.subject);
const waitForMail = (c: Customer, subject: string, timeoutMs = 30_000) =>
  eventually(async () => mailsTo(c).includes(subject), { timeoutMs, what: `"${subject}" to ${c.email}` });

interface EnrolmentBody {
  id: number;
  status: string;
  version: number;
  holdout: boolean;
  exit_reason: string | null;
  customer_id: number;
  workflow_id: string;
}

async function enrolments(automationId: number): Promise<EnrolmentBody[]> {
  const res = await t.api.get<{ items: EnrolmentBody[] }>(`/api/crm/automations/${automationId}/enrolments`);
  expect(res.status).toBe(200);
  return res.body.items;
}

const enrolmentOf = async (automationId: number, customerId: number) =>
  (await enrolments(automationId)).find((e) => e.customer_id === customerId);

async function ended(automationId: number, customerId: number, timeoutMs = 30_000): Promise<EnrolmentBody> {
  return eventually(
    async () => {
      const e = await enrolmentOf(automationId, customerId);
      return e && (e.status === 'completed' || e.status === 'exited') ? e : undefined;
    },
    { timeoutMs, what: `enrolment of ${customerId} to end` },
  );
}

async function manualAutomation(steps: unknown[], extra: Record<string, unknown> = {}): Promise<number> {
  const res = await t.api.post<{ id: number }>('/api/crm/automations', {
    name: `Manual ${++seq}`,
    trigger_type: 'manual',
    trigger_config: {},
    steps,
    holdout_pct: 0,
    status: 'active',
    ...extra,
  });
  expect(res.status).toBe(201);
  return res.body.id;
}

async function enrol(automationId: number, customerId: number): Promise<EnrolmentBody> {
  const res = await t.api.post<EnrolmentBody>(
    `/api/crm/automations/${automationId}/enrolments`,
    { customer_id: customerId },
    { 'idempotency-key': `enrol-${automationId}-${customerId}` },
  );
  expect(res.status).toBe(201);
  return res.body;
}

const enrolmentState = (workflowId: string): Promise<CrmEnrolmentState> =>
  h.temporal.workflow.getHandle(workflowId).query(getEnrolmentStateQuery);

describe('CRM automations as workflows', () => {
  it("runs the proposal's win-back end to end; a purchase in the middle stops it at the next condition", async () => {
    const created = await t.api.post<{
      id: number;
      steps: { action_type: string; action_config: { template_id?: number } }[];
    }>('/api/crm/automations', {
      template: 'win_back',
      // 4 "days" without a purchase = 2 s here.
      trigger_config: { no_purchase_for: { days: 4 } },
      time_scale: TIME_SCALE,
      holdout_pct: 0,
      status: 'active',
    });
    expect(created.status).toBe(201);
    expect(created.body.steps.map((s) => s.action_type)).toEqual([
      'wait',
      'email',
      'wait',
      'condition',
      'email',
      'wait',
      'condition',
      'email',
    ]);
    const automationId = created.body.id;

    const lapsed = await consentingCustomer();
    const returning = await consentingCustomer();
    await buy(lapsed.id);
    await buy(returning.id);

    // Neither is enrolled before the lapse; both are after it, and get the first e-mail a "day" later.
    expect(await enrolments(automationId)).toEqual([]);
    await waitForMail(lapsed, "We miss you! Here's 10% off");
    await waitForMail(returning, "We miss you! Here's 10% off");

    // The returning customer buys again before the reminder's condition.
    const first = (await enrolmentOf(automationId, returning.id)) as EnrolmentBody;
    await buy(returning.id);

    await waitForMail(lapsed, 'Your 10% off is still waiting');
    await waitForMail(lapsed, 'Last chance: your final offer inside');
    const done = await ended(automationId, lapsed.id);
    expect(done).toMatchObject({ status: 'completed', exit_reason: 'completed' });

    const stopped = await eventually(
      async () => {
        const e = (await enrolments(automationId)).find((x) => x.id === first.id);
        return e && e.status !== 'running' ? e : undefined;
      },
      { what: 'the returning customer to leave' },
    );
    expect(stopped).toMatchObject({ status: 'exited', exit_reason: 'condition:purchased_since_enrolment:true' });
    expect(mailsTo(returning)).not.toContain('Your 10% off is still waiting');
    expect(mailsTo(returning)).not.toContain('Last chance: your final offer inside');
    expect(mailsTo(lapsed).filter((s) => s === "We miss you! Here's 10% off")).toHaveLength(1);

    const report = await t.api.get<Record<string, unknown>>(`/api/crm/automations/${automationId}/report`);
    expect(report.status).toBe(200);
    expect(report.body).toMatchObject({ held_out: 0, conversions: { treated: 1, holdout: 0 } });
    expect(report.body.enrolled as number).toBeGreaterThanOrEqual(2);
    expect(report.body.sent as number).toBeGreaterThanOrEqual(4);

    // Later tests' purchases must not enrol their customers here.
    expect((await t.api.post(`/api/crm/automations/${automationId}/pause`)).status).toBe(200);
    await recordHistory(h.temporal, done.workflow_id, 'crm-enrolment');
    await recordHistory(h.temporal, crmLapseWorkflowId(t.tenantId, automationId, lapsed.id), 'crm-lapse');
  }, 120_000);

  it('an unsubscribe mid-automation stops every further e-mail', async () => {
    const n = ++seq;
    const [one, two] = [await template(`Unsub one ${n}`), await template(`Unsub two ${n}`)];
    const automationId = await manualAutomation([
      { action_type: 'email', action_config: { template_id: one } },
      { action_type: 'wait', action_config: { duration: 3 } },
      { action_type: 'email', action_config: { template_id: two } },
    ]);
    const c = await consentingCustomer();
    const e = await enrol(automationId, c.id);
    await waitForMail(c, `Unsub one ${n}`);
    await withTenant(h.db, t.tenantId, (tx) =>
      recordConsent(tx, t.tenantId, c.id, { channel: 'email', granted: false, source: 'unsubscribe_link' }),
    );
    const out = await ended(automationId, c.id);
    expect(out.status).toBe('exited');
    expect(['consent_withdrawn', 'no_consent']).toContain(out.exit_reason);
    expect(mailsTo(c)).not.toContain(`Unsub two ${n}`);
    expect((await enrolmentState(e.workflow_id)).status).toBe('exited');
  });

  it('pausing holds running enrolments before their next step; resuming continues them', async () => {
    const n = ++seq;
    const subject = `Paused two ${n}`;
    const [one, two] = [await template(`Paused one ${n}`), await template(subject)];
    const automationId = await manualAutomation([
      { action_type: 'email', action_config: { template_id: one } },
      { action_type: 'wait', action_config: { duration: 1 } },
      { action_type: 'email', action_config: { template_id: two } },
    ]);
    const c = await consentingCustomer();
    const e = await enrol(automationId, c.id);
    await waitForMail(c, `Paused one ${n}`);
    expect((await t.api.post(`/api/crm/automations/${automationId}/pause`)).status).toBe(200);
    await eventually(async () => (await enrolmentState(e.workflow_id)).status === 'paused', { what: 'paused' });
    expect((await enrolmentOf(automationId, c.id))?.status).toBe('paused');
    expect(mailsTo(c)).not.toContain(subject);

    expect((await t.api.post(`/api/crm/automations/${automationId}/resume`)).status).toBe(200);
    await waitForMail(c, subject);
    expect(await ended(automationId, c.id)).toMatchObject({ status: 'completed' });
  });

  it('editing the steps makes a new version; running enrolments keep theirs', async () => {
    const n = ++seq;
    const [one, two] = [`Version one ${n}`, `Version two ${n}`];
    const [v1, v2] = [await template(one), await template(two)];
    const automationId = await manualAutomation([
      { action_type: 'wait', action_config: { duration: 2 } },
      { action_type: 'email', action_config: { template_id: v1 } },
    ]);
    const early = await consentingCustomer();
    const late = await consentingCustomer();
    const e1 = await enrol(automationId, early.id);
    const patched = await t.api.patch<{ version: number }>(`/api/crm/automations/${automationId}`, {
      steps: [{ action_type: 'email', action_config: { template_id: v2 } }],
    });
    expect([patched.status, patched.body.version]).toEqual([200, 2]);
    const e2 = await enrol(automationId, late.id);
    expect([e1.version, e2.version]).toEqual([1, 2]);

    await waitForMail(late, two);
    await waitForMail(early, one);
    await ended(automationId, early.id);
    expect(mailsTo(early)).not.toContain(two);
    expect(mailsTo(late)).not.toContain(one);
  });

  it('held-out customers are enrolled and reported but sent nothing', async () => {
    const subject = `Holdout ${++seq}`;
    const automationId = await manualAutomation(
      [{ action_type: 'email', action_config: { template_id: await template(subject) } }],
      { holdout_pct: 100 },
    );
    const c = await consentingCustomer();
    const e = await enrol(automationId, c.id);
    expect(e.holdout).toBe(true);
    expect(await ended(automationId, c.id)).toMatchObject({ status: 'completed' });
    await buy(c.id);
    const report = await eventually(
      async () => {
        const r = await t.api.get<Record<string, unknown>>(`/api/crm/automations/${automationId}/report`);
        return (r.body.conversions as { holdout: number }).holdout === 1 ? r.body : undefined;
      },
      { what: 'the holdout conversion' },
    );
    expect(report).toMatchObject({ enrolled: 1, held_out: 1, treated: 0, sent: 0, conversion_rate: { holdout: 1 } });
    const messages = await h.owner('crm_messages').where({ automation_id: automationId });
    expect(messages.map((m: { status: string }) => m.status)).toEqual(['held_out']);
    expect(mailsTo(c)).not.toContain(subject);
  });

  it('a birthday automation enrols the customers whose birthday it is, then sleeps until the next run', async () => {
    const created = await t.api.post<{ id: number }>('/api/crm/automations', { template: 'birthday', holdout_pct: 0 });
    expect(created.status).toBe(201);
    const automationId = created.body.id;
    const c = await consentingCustomer();
    const today = new Date();
    await h
      .owner('customers')
      .where({ id: c.id })
      .update({
        birthday: `1990-${String(today.getUTCMonth() + 1).padStart(2, '0')}-${String(today.getUTCDate()).padStart(2, '0')}`,
      });
    // Active without the API's start, so the test starts the run now instead of at 09:00 UTC.
    await h.owner('automation_workflows').where({ id: automationId }).update({ status: 'active' });
    const workflowId = crmScheduleWorkflowId(t.tenantId, automationId);
    const handle = await h.temporal.workflow.start('crmScheduleWorkflow', {
      taskQueue: h.config.TEMPORAL_TASK_QUEUE,
      workflowId,
      args: [{ tenantId: t.tenantId, automationId, runNow: true } satisfies CrmScheduleInput],
      typedSearchAttributes: searchAttributes(t.tenantId),
    });
    await waitForMail(c, 'Happy birthday! A gift from us');
    // The first run continued as new: the next one sleeps until tomorrow's run.
    await eventually(
      async () => (await h.temporal.workflow.getHandle(workflowId).describe()).runId !== handle.firstExecutionRunId,
      {
        what: 'continue-as-new',
      },
    );
    if (process.env.RECORD_HISTORIES) {
      const history = await h.temporal.workflow.getHandle(workflowId, handle.firstExecutionRunId).fetchHistory();
      fs.writeFileSync(path.join(HISTORY_DIR, 'crm-schedule.json'), historyToJSON(history));
    }
    await h.temporal.workflow.getHandle(workflowId).terminate('test over');
  });

  it('activating a win-back enrols customers lapsed already and times the others from their last purchase', async () => {
    const created = await t.api.post<{ id: number }>('/api/crm/automations', {
      template: 'win_back',
      trigger_config: { no_purchase_for: { days: 4 } },
      time_scale: TIME_SCALE,
      holdout_pct: 0,
    });
    expect(created.status).toBe(201);
    const automationId = created.body.id;
    const recent = await consentingCustomer();
    const lapsed = await consentingCustomer();
    const recentOrder = await buy(recent.id);
    const lapsedOrder = await buy(lapsed.id);
    // Bought long before activation: lapsed already.
    await h
      .owner('orders')
      .where({ id: lapsedOrder })
      .update({ paid_at: new Date(Date.now() - 30 * 86_400_000) });

    expect((await t.api.post(`/api/crm/automations/${automationId}/activate`)).status).toBe(200);
    await waitForMail(lapsed, "We miss you! Here's 10% off");
    await waitForMail(recent, "We miss you! Here's 10% off");
    const [paid] = await h.owner('orders').where({ id: recentOrder }).pluck('paid_at');
    const enrolled = (await enrolmentOf(automationId, recent.id)) as EnrolmentBody & { enrolled_at: string };
    // 4 "days" after the purchase = 2 s.
    expect(new Date(enrolled.enrolled_at).getTime()).toBeGreaterThanOrEqual(new Date(paid).getTime() + 1900);
    expect((await t.api.post(`/api/crm/automations/${automationId}/pause`)).status).toBe(200);
  });
});
