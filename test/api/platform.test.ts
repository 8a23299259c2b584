import { withTenant } from '../../db/connection';
import { queueEmail, queueEmails } from '../../db/platform/mail';
import { emit } from '../../db/platform/outbox';
import { recordUsage } from '../../db/platform/usage';
import { meterAmount } from '../../domain/platform/plans';
import { createHarness, eventually, type Harness } from '../helpers/harness';
import { createOnSaleEvent, createTenantWithKey, type TenantFixture } from '../helpers/fixtures';

let h: Harness;
let t: TenantFixture;

beforeAll(async () => {
  h = await createHarness({ worker: true });
  t = await createTenantWithKey(h, 'Platform tenant', ['admin'], ['checkin']);
});
afterAll(() => h.stop());

describe('module subscriptions', () => {
  it("lists all twelve modules with the tenant's state and their base fees", async () => {
    const modules = await t.api.get<{ items: { module: string; enabled: boolean; base_fee_minor: number }[] }>(
      '/api/modules',
    );
    expect(modules.body.items).toHaveLength(12);
    expect(modules.body.items.find((m) => m.module === 'checkin')).toMatchObject({
      enabled: true,
      base_fee_minor: 1500,
    });
    expect(modules.body.items.find((m) => m.module === 'wallet')).toMatchObject({
      enabled: false,
      base_fee_minor: 800,
    });
    const off = await t.api.put('/api/modules/wallet', { enabled: false });
    expect(off.status).toBe(200);
    const bad = await t.api.put('/api/modules/teleportation', { enabled: true });
    expect(bad.status).toBe(400);
  });
});

describe('usage metering and billing', () => {
  it("reproduces the proposal's worked example: 5,000 scans on the check-in base plan cost €15 + €50 = €65", async () => {
    const month = new Date().toISOString().slice(0, 7);
    await withTenant(h.db, t.tenantId, async (tx) => {
      for (let i = 0; i < 5000; i++) {
        await recordUsage(tx, t.tenantId, {
          meter: 'checkin.scan',
          quantity: 1,
          amountMinor: meterAmount('checkin.scan', 1),
          idempotencyKey: `scan-${i}`,
        });
      }
      // A replayed scan is not counted again.
      expect(
        await recordUsage(tx, t.tenantId, {
          meter: 'checkin.scan',
          quantity: 1,
          amountMinor: 1,
          idempotencyKey: 'scan-0',
        }),
      ).toBe(false);
    });
    const usage = await t.api.get<{
      lines: { code: string; quantity: number; amount_minor: number }[];
      total_minor: number;
    }>(`/api/billing/usage?month=${month}`);
    expect(usage.status).toBe(200);
    expect(usage.body.lines).toEqual([
      expect.objectContaining({ code: 'checkin.base', quantity: 1, amount_minor: 1500 }),
      expect.objectContaining({ code: 'checkin.scan', quantity: 5000, amount_minor: 5000 }),
    ]);
    expect(usage.body.total_minor).toBe(6500);

    await t.api.put('/api/modules/checkin', { plan: 'enterprise' });
    const enterprise = await t.api.get<{ total_minor: number }>(`/api/billing/usage?month=${month}`);
    expect(enterprise.body.total_minor).toBe(10000);
    expect((await t.api.get('/api/billing/usage?month=2026-13')).status).toBe(400);
  });
});

describe('audit log', () => {
  it('records every mutating API call with its actor, and the application cannot rewrite it', async () => {
    const f = await createOnSaleEvent(t);
    const audit = await t.api.get<{ items: { action: string; actor: { type: string }; entity_id: string | null }[] }>(
      `/api/audit?entity_type=events`,
    );
    expect(audit.body.items.map((a) => a.action)).toEqual(
      expect.arrayContaining(['POST /api/events', 'POST /api/events/{id}/ticket-types']),
    );
    expect(audit.body.items.find((a) => a.action === 'POST /api/events')).toMatchObject({
      actor: { type: 'api_key' },
      entity_id: String(f.eventId),
    });
    await expect(withTenant(h.db, t.tenantId, (tx) => tx('audit_log').update({ action: 'forged' }))).rejects.toThrow(
      /permission denied/,
    );
    await expect(withTenant(h.db, t.tenantId, (tx) => tx('audit_log').del())).rejects.toThrow(/permission denied/);
  });
});

describe('outbox dispatch and e-mail', () => {
  it('delivers a queued e-mail once through a real SMTP server, even when queued twice', async () => {
    await withTenant(h.db, t.tenantId, async (tx) => {
      await queueEmail(tx, t.tenantId, {
        idempotencyKey: 'hello-1',
        to: 'fan@example.com',
        subject: 'Hello from Usher',
        text: 'Hi!',
      });
      await queueEmail(tx, t.tenantId, {
        idempotencyKey: 'hello-1',
        to: 'fan@example.com',
        subject: 'Hello from Usher',
        text: 'Hi!',
      });
    });
    const mail = await eventually(async () => h.mail.find((m) => m.subject === 'Hello from Usher'), {
      what: 'the e-mail',
    });
    expect(mail.to).toEqual(['fan@example.com']);
    await eventually(
      async () => (await h.owner('email_outbox').where({ idempotency_key: 'hello-1' }).first())?.status === 'sent',
      { what: 'sent status' },
    );
    expect(h.mail.filter((m) => m.subject === 'Hello from Usher')).toHaveLength(1);
  });

  it('sends a burst of e-mails once each; an address turned away is tried again alone, without resending the rest', async () => {
    const to = (i: number) => `burst-${i}@example.com`;
    h.refuseMail.add(to(1));
    await withTenant(h.db, t.tenantId, (tx) =>
      queueEmails(
        tx,
        t.tenantId,
        [0, 1, 2].map((i) => ({ idempotencyKey: `burst-${i}`, to: to(i), subject: `Burst ${i}`, text: 'Hi!' })),
      ),
    );
    const status = async () =>
      (
        await h
          .owner('email_outbox')
          .whereIn('idempotency_key', ['burst-0', 'burst-1', 'burst-2'])
          .orderBy('idempotency_key')
      ).map((r) => [r.status, r.attempts]);
    await eventually(
      async () =>
        JSON.stringify(await status()) ===
        JSON.stringify([
          ['sent', 1],
          ['queued', 1],
          ['sent', 1],
        ]),
      { what: 'the others sent, the refused one waiting' },
    );
    h.refuseMail.delete(to(1));
    await eventually(async () => (await status())[1][0] === 'sent', {
      what: 'the refused e-mail sent on its retry',
      timeoutMs: 20_000,
    });
    expect([0, 1, 2].map((i) => h.mail.filter((m) => m.subject === `Burst ${i}`).length)).toEqual([1, 1, 1]);
    expect(await status()).toEqual([
      ['sent', 1],
      ['sent', 2],
      ['sent', 1],
    ]);
  });

  it('marks every event dispatched once its triggers ran', async () => {
    await withTenant(h.db, t.tenantId, (tx) =>
      emit(tx, t.tenantId, { type: 'test.ping', aggregateType: 'test', aggregateId: 1, payload: {} }),
    );
    await eventually(
      async () => {
        const pending = await h.owner('outbox').whereNull('dispatched_at').where('next_attempt_at', '<=', new Date());
        return pending.length === 0;
      },
      { what: 'outbox drained' },
    );
  });
});
