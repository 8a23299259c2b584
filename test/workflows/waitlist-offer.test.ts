import { NativeConnection } from '@temporalio/worker';
import { createHarness, eventually, type Harness } from '../helpers/harness';
import { createTenantWithKey, type TenantFixture } from '../helpers/fixtures';
import { recordHistory } from '../helpers/histories';
import { join, newCustomer, setWaitlistSettings, soldOutEvent, type Entry } from '../helpers/waitlist';
import {
  getOfferStateQuery,
  waitlistOfferWorkflowId,
  type WaitlistOfferState,
} from '../../workflows/waitlist/contract';
import { startWorkerProcess } from '../../worker';
import { createMailer } from '../../integrations/mail/mailer';
import { createLogger } from '../../lib/logger';
import { OfflinePaymentProvider } from '../../integrations/payments/offline';
import { testEnv } from '../stack-env';

let h: Harness;
/** A purchase window long enough to act in. */
let slow: TenantFixture;
/** A 2-second purchase window, standing in for 24 hours. */
let fast: TenantFixture;

beforeAll(async () => {
  h = await createHarness({ worker: true });
  slow = await createTenantWithKey(h, 'Slow window');
  fast = await createTenantWithKey(h, 'Fast window');
  await setWaitlistSettings(slow, { offer_window_s: 60 });
  await setWaitlistSettings(fast, { offer_window_s: 2 });
});
afterAll(() => h.stop());

const entry = (t: TenantFixture, id: number) => t.api.get<Entry>(`/api/waitlist/position/${id}`).then((r) => r.body);
const offerHandle = (t: TenantFixture, id: number) =>
  h.temporal.workflow.getHandle(waitlistOfferWorkflowId(t.tenantId, id));
const mailTo = (email: string) => h.mail.filter((m) => m.to.includes(email));

/** Waits until the entry is offered and its purchase-window workflow is running. */
async function offered(t: TenantFixture, id: number): Promise<Entry> {
  const e = await eventually(
    async () => {
      const current = await entry(t, id);
      return current.status === 'notified' && current;
    },
    { what: `entry ${id} offered` },
  );
  await eventually(
    async () =>
      (
        await offerHandle(t, id)
          .query(getOfferStateQuery)
          .catch(() => undefined)
      )?.status === 'offered',
    { what: `offer workflow of entry ${id} running` },
  );
  return e;
}

/** A sold-out event with two customers in line; an order is cancelled and its seat offered to the first. */
async function seatOfferedToFirstOfTwo(t: TenantFixture) {
  const f = await soldOutEvent(t);
  const [a, b] = [await newCustomer(h, t), await newCustomer(h, t)];
  const ea = await join(a.api, f);
  const eb = await join(b.api, f);
  await t.api.post(`/api/orders/${f.orderId}/cancel`, {});
  await offered(t, ea.id);
  return { f, a, b, ea, eb };
}

describe('waitlist offers on a real Temporal server', () => {
  it('opens the waitlist on sell-out, holds a cancelled seat for the first in line, e-mails them, and turns their purchase into an order', async () => {
    const f = await soldOutEvent(slow);
    await eventually(
      async () => (await slow.api.get<{ open: boolean }>(`/api/waitlist/events/${f.eventId}`)).body.open,
      { what: 'waitlist opened by the sold-out trigger' },
    );
    const [a, b] = [await newCustomer(h, slow, 'first'), await newCustomer(h, slow, 'second')];
    const ea = await join(a.api, f);
    const eb = await join(b.api, f);
    expect([ea.position, eb.position]).toEqual([1, 2]);

    expect((await slow.api.post(`/api/orders/${f.orderId}/cancel`, {})).status).toBe(200);
    const offer = await offered(slow, ea.id);
    expect(new Date(offer.expires_at as string).getTime()).toBeGreaterThan(Date.now() + 50_000);
    await eventually(async () => mailTo(a.email).length > 0, { what: 'offer e-mail' });
    expect(mailTo(a.email)[0].subject).toMatch(/waiting for you/);
    expect((await entry(slow, eb.id)).position).toBe(1);

    // The held seat is not for sale to anyone else.
    const outsider = await slow.api.post<{ code: string }>('/api/orders', {
      event_id: f.eventId,
      customer_id: f.customerId,
      items: [{ ticket_type_id: f.ticketTypeId, quantity: 1 }],
    });
    expect([outsider.status, outsider.body.code]).toEqual([409, 'sold_out']);

    const bought = await a.api.post<{ status: string; customer_id: number; tickets: { status: string }[] }>(
      `/api/waitlist/${ea.id}/purchase`,
      {},
    );
    expect(bought.status).toBe(201);
    expect(bought.body).toMatchObject({ status: 'paid', customer_id: a.id, tickets: [{ status: 'valid' }] });
    const final = (await offerHandle(slow, ea.id).result()) as WaitlistOfferState;
    expect(final.status).toBe('purchased');
    expect((await entry(slow, ea.id)).status).toBe('purchased');
    expect((await h.owner('ticket_types').where({ id: f.ticketTypeId }).first()).sold).toBe(1);
    await recordHistory(h.temporal, offerHandle(slow, ea.id).workflowId, 'waitlist-offer-purchased');
  });

  it('expires an unused offer and passes the seat down the line, then back on sale when nobody is left', async () => {
    const { f, b, ea, eb } = await seatOfferedToFirstOfTwo(fast);

    const first = (await offerHandle(fast, ea.id).result()) as WaitlistOfferState;
    expect(first).toMatchObject({ status: 'expired', nextEntryIds: [eb.id] });
    expect((await entry(fast, ea.id)).status).toBe('expired');
    await offered(fast, eb.id);
    await eventually(async () => mailTo(b.email).length > 0, { what: 'second offer e-mail' });

    expect(await offerHandle(fast, eb.id).result()).toMatchObject({ status: 'expired', nextEntryIds: [] });
    await eventually(
      async () => (await fast.api.get<{ status: string }>(`/api/events/${f.eventId}`)).body.status === 'on_sale',
      { what: 'event back on sale' },
    );
    expect((await h.owner('ticket_types').where({ id: f.ticketTypeId }).first()).sold).toBe(0);
    const audit = await fast.api.get<{ items: { actor: { type: string } }[] }>(
      `/api/audit?entity_type=waitlist_entry&entity_id=${ea.id}`,
    );
    expect(audit.body.items.map((i) => i.actor.type)).toContain('workflow');
    await recordHistory(h.temporal, offerHandle(fast, ea.id).workflowId, 'waitlist-offer-expired');
  });

  it('withdraws the offer of an entry that leaves mid-window and offers the seat to the next', async () => {
    const { a, ea, eb } = await seatOfferedToFirstOfTwo(slow);

    const left = await a.api.delete<Entry>(`/api/waitlist/${ea.id}`);
    expect([left.status, left.body.status]).toEqual([200, 'cancelled']);
    expect(await offerHandle(slow, ea.id).result()).toMatchObject({ status: 'cancelled' });
    await offered(slow, eb.id);
    const late = await a.api.post<{ code: string }>(`/api/waitlist/${ea.id}/purchase`, {});
    expect([late.status, late.body.code]).toEqual([409, 'offer_not_active']);
    await recordHistory(h.temporal, offerHandle(slow, ea.id).workflowId, 'waitlist-offer-cancelled');
  });

  it('expires an offer whose window ran out while the worker was down, once a worker is back', async () => {
    const { ea, eb } = await seatOfferedToFirstOfTwo(fast);

    await h.worker?.shutdown();
    const expiresAt = new Date((await entry(fast, ea.id)).expires_at as string).getTime();
    await eventually(async () => Date.now() > expiresAt + 500, { what: 'window passed while no worker ran' });
    expect((await entry(fast, ea.id)).status).toBe('notified');

    const connection = await NativeConnection.connect({ address: h.config.TEMPORAL_ADDRESS });
    const logger = createLogger('test', 'silent');
    const restarted = await startWorkerProcess({
      connection,
      workflows: { workflowBundle: { codePath: testEnv('workflowBundle') } },
      deps: {
        db: h.db,
        config: h.config,
        logger,
        temporal: h.temporal,
        payments: new OfflinePaymentProvider(),
        mailer: createMailer({ smtpUrl: h.config.SMTP_URL, from: h.config.MAIL_FROM, logger }),
      },
    });
    try {
      expect(await offerHandle(fast, ea.id).result()).toMatchObject({ status: 'expired', nextEntryIds: [eb.id] });
      await offered(fast, eb.id);
    } finally {
      await restarted.shutdown();
      await connection.close();
    }
  });
});
