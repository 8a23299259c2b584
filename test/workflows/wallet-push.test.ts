import { withTenant } from '../../db/connection';
import { emit } from '../../db/platform/outbox';
import { insertTickets, updateTicket } from '../../db/tickets/tickets';
import { createHarness, client, eventually, type Harness } from '../helpers/harness';
import { createOnSaleEvent, createTenantWithKey, type TenantFixture } from '../helpers/fixtures';
import { recordHistory } from '../helpers/histories';
import {
  makeWalletTestKeys,
  readStoredZip,
  startGoogleStandIn,
  walletEnv,
  type GoogleStandIn,
  type WalletTestKeys,
} from '../helpers/wallet';
import { startApnsStandIn, type ApnsStandIn } from '../../scripts/stack/apns-standin';
import { walletPushWorkflowId, type WalletPushState } from '../../workflows/wallet/contract';

const PASS_TYPE = 'pass.test.usher';
const SERVICE_ACCOUNT = 'wallet@usher-test.iam.gserviceaccount.com';

let h: Harness;
let t: TenantFixture;
let keys: WalletTestKeys;
let apns: ApnsStandIn;
let google: GoogleStandIn;
let eventId: number;
const devices: { device: string; token: string; serial: string; authToken: string; ticketId: number }[] = [];

const pushToken = (n: number) => n.toString(16).padStart(64, '0');

async function pushWorkflowResult(type: string): Promise<{ workflowId: string; state: WalletPushState }> {
  const row = await eventually(
    () => h.owner('outbox').where({ tenant_id: t.tenantId, type }).orderBy('id', 'desc').first(),
    { what: `${type} in the outbox` },
  );
  const workflowId = walletPushWorkflowId(t.tenantId, eventId, row.id);
  const handle = h.temporal.workflow.getHandle(workflowId);
  await eventually(
    () =>
      handle.describe().then(
        () => true,
        () => false,
      ),
    { what: `workflow ${workflowId}` },
  );
  return { workflowId, state: (await handle.result()) as WalletPushState };
}

async function fetchPass(d: (typeof devices)[number]): Promise<Record<string, unknown>> {
  const res = await fetch(`${h.baseUrl}/api/wallet/apple/v1/passes/${PASS_TYPE}/${d.serial}`, {
    headers: { authorization: `ApplePass ${d.authToken}` },
  });
  return JSON.parse(readStoredZip(Buffer.from(await res.arrayBuffer()))['pass.json'].toString()) as Record<
    string,
    unknown
  >;
}

beforeAll(async () => {
  keys = makeWalletTestKeys();
  apns = await startApnsStandIn({
    tlsKey: keys.tlsKeyPem,
    tlsCert: keys.tlsCertPem,
    publicKeyPem: keys.apnsPublicKeyPem,
    keyId: 'KEY1234567',
    teamId: 'TEAM123456',
    topic: PASS_TYPE,
  });
  google = await startGoogleStandIn(keys, SERVICE_ACCOUNT);
  h = await createHarness({
    worker: true,
    env: walletEnv(keys, {
      APNS_URL: apns.url,
      GOOGLE_WALLET_API_URL: google.apiUrl,
      GOOGLE_OAUTH_TOKEN_URL: google.tokenUrl,
      WALLET_PUSH_BATCH_SIZE: '2',
      WALLET_PUSH_RETRY_DELAY_S: '0.2',
      PUBLIC_API_URL: 'https://tickets.example.com',
    }),
  });
  t = await createTenantWithKey(h, 'Jazz Club');
  const f = await createOnSaleEvent(t);
  eventId = f.eventId;
  const order = await t.api.post('/api/orders', {
    event_id: f.eventId,
    customer_id: f.customerId,
    items: [{ ticket_type_id: f.ticketTypeId, quantity: 3 }],
  });
  expect(order.status).toBe(201);
});
afterAll(async () => {
  await h.stop();
  await apns.stop();
  await google.stop();
  keys.cleanup();
});

describe('wallet passes after purchase', () => {
  it('creates an Apple and a Google pass per ticket and e-mails the "Add to Wallet" links, which work', async () => {
    const delivered = await eventually(
      async () => h.mail.find((m) => m.subject.startsWith('Your tickets for Test concert')),
      { what: 'the wallet e-mail' },
    );
    const mail = await eventually(
      () => h.owner('email_outbox').where({ tenant_id: t.tenantId, status: 'sent' }).first(),
      { what: 'the e-mail marked sent' },
    );
    expect(delivered.messageId).toBe(`<email-${t.tenantId}-${mail.id}@usher>`);
    mail.text = mail.text_body;
    mail.html = mail.html_body;
    const passes = await h.owner('wallet_passes').where({ tenant_id: t.tenantId }).orderBy('id');
    expect(passes).toHaveLength(6);
    const applePasses = passes.filter((p) => p.platform === 'apple');
    for (const p of applePasses)
      expect(mail.text).toContain(
        `https://tickets.example.com/api/wallet/apple/download/${p.serial_number}?token=${p.auth_token}`,
      );
    expect(mail.text.match(/Add to Google Wallet: /g)).toHaveLength(3);
    expect(mail.html).toContain('Add to Apple Wallet</a>');

    const link = new URL(/Add to Apple Wallet: (\S+)/.exec(mail.text)?.[1] as string);
    const download = await fetch(`${h.baseUrl}${link.pathname}${link.search}`);
    expect([download.status, download.headers.get('content-type')]).toEqual([200, 'application/vnd.apple.pkpass']);
    expect((await fetch(`${h.baseUrl}${link.pathname}?token=${'x'.repeat(32)}`)).status).toBe(401);
    const save = new URL(/Add to Google Wallet: (\S+)/.exec(mail.text)?.[1] as string);
    const redirect = await fetch(`${h.baseUrl}${save.pathname}${save.search}`, { redirect: 'manual' });
    expect(redirect.status).toBe(302);
    expect(redirect.headers.get('location')).toMatch(/^https:\/\/pay\.google\.com\/gp\/v\/save\/ey/);

    for (const [i, p] of applePasses.entries()) {
      const d = {
        device: `device-${i}`,
        token: pushToken(i + 1),
        serial: p.serial_number,
        authToken: p.auth_token,
        ticketId: p.ticket_id,
      };
      const res = await client(h.baseUrl).post(
        `/api/wallet/apple/v1/devices/${d.device}/registrations/${PASS_TYPE}/${d.serial}`,
        { pushToken: d.token },
        { authorization: `ApplePass ${d.authToken}` },
      );
      expect(res.status).toBe(201);
      devices.push(d);
    }
  });
});

describe('wallet push fan-out', () => {
  it('pushes an event change to every registered device, drops a device APNs says is gone, and updates Google', async () => {
    apns.respond.set(devices[2].token, { status: 410, reason: 'Unregistered' });
    const startsAt = new Date(Date.now() + 8 * 86_400_000);
    await t.api.patch(`/api/events/${eventId}`, {
      starts_at: startsAt.toISOString(),
      ends_at: new Date(startsAt.getTime() + 3_600_000).toISOString(),
    });
    const { workflowId, state } = await pushWorkflowResult('event.updated');
    expect(state).toMatchObject({ status: 'done', batches: 2 + 2, sent: 2, removed: 1, failed: 0, googleUpdated: 3 });
    expect(apns.rejected).toEqual([]);
    expect(apns.pushes.map((p) => p.token).sort()).toEqual([devices[0].token, devices[1].token]);
    expect(apns.pushes[0]).toMatchObject({ topic: PASS_TYPE, body: '{}' });
    expect(await h.owner('wallet_push_registrations').where({ device_library_id: devices[2].device })).toHaveLength(0);

    // The device asks what changed and gets the new time.
    const changed = await client(h.baseUrl).get<{ serialNumbers: string[] }>(
      `/api/wallet/apple/v1/devices/${devices[0].device}/registrations/${PASS_TYPE}`,
    );
    expect(changed.body.serialNumbers).toEqual([devices[0].serial]);
    const pass = await fetchPass(devices[0]);
    expect(pass.relevantDate).toBe(startsAt.toISOString());

    expect(google.rejected).toEqual([]);
    expect(google.tokensIssued).toBe(1);
    const cls = google.patches.find((p) => p.resource === 'eventTicketClass');
    expect(cls?.body).toMatchObject({
      id: `3388000000012345.${t.tenantId}-event-${eventId}`,
      dateTime: { start: startsAt.toISOString() },
    });
    expect(google.patches.filter((p) => p.resource === 'eventTicketObject').map((p) => p.body.state)).toEqual([
      'ACTIVE',
      'ACTIVE',
      'ACTIVE',
    ]);
    await recordHistory(h.temporal, workflowId, 'wallet-push-event-updated');
  });

  it('voids the pass of a cancelled ticket on its device and in Google Wallet, and re-sends after APNs throttles', async () => {
    apns.pushes.length = 0;
    google.patches.length = 0;
    apns.respond.set(devices[0].token, { status: 429, reason: 'TooManyRequests', times: 1 });
    await t.api.post(`/api/tickets/${devices[0].ticketId}/cancel`);
    const { workflowId, state } = await pushWorkflowResult('ticket.cancelled');
    expect(state).toMatchObject({ status: 'done', sent: 1, failed: 0, googleUpdated: 1 });
    expect(apns.refused).toContainEqual({ token: devices[0].token, status: 429 });
    expect(apns.pushes.map((p) => p.token)).toEqual([devices[0].token]);
    expect((await fetchPass(devices[0])).voided).toBe(true);
    expect((await fetchPass(devices[1])).voided).toBe(false);
    expect(google.patches).toEqual([
      expect.objectContaining({
        resource: 'eventTicketObject',
        id: `3388000000012345.${t.tenantId}-ticket-${devices[0].ticketId}`,
        body: expect.objectContaining({ state: 'INACTIVE' }),
      }),
    ]);
    expect(
      await h.owner('wallet_passes').where({ ticket_id: devices[0].ticketId }).whereNotNull('voided_at'),
    ).toHaveLength(2);
    await recordHistory(h.temporal, workflowId, 'wallet-push-ticket-cancelled');
  });

  it('voids the pass of a ticket transferred by resale or refunds and gives the new ticket passes of its own', async () => {
    apns.pushes.length = 0;
    // What the resale and refund modules do in their own transaction when a ticket changes hands.
    const newTicketId = await withTenant(h.db, t.tenantId, async (tx) => {
      const old = await tx('tickets').where({ id: devices[1].ticketId }).first();
      const [fresh] = await insertTickets(tx, t.tenantId, [
        {
          event_id: old.event_id,
          order_id: old.order_id,
          ticket_type_id: old.ticket_type_id,
          customer_id: old.customer_id,
        },
      ]);
      await updateTicket(tx, old.id, { status: 'transferred', replaced_by_ticket_id: fresh.id });
      await emit(tx, t.tenantId, {
        type: 'ticket.transferred',
        aggregateType: 'ticket',
        aggregateId: old.id,
        payload: {
          ticket_id: old.id,
          event_id: old.event_id,
          ticket_type_id: old.ticket_type_id,
          old_ticket_id: old.id,
          new_ticket_id: fresh.id,
          new_customer_id: old.customer_id,
        },
      });
      return fresh.id;
    });
    const { state } = await pushWorkflowResult('ticket.transferred');
    expect(state).toMatchObject({ status: 'done', sent: 1, failed: 0 });
    expect(apns.pushes.map((p) => p.token)).toEqual([devices[1].token]);
    expect((await fetchPass(devices[1])).voided).toBe(true);
    expect((await h.owner('wallet_passes').where({ ticket_id: newTicketId }).pluck('platform')).sort()).toEqual([
      'apple',
      'google',
    ]);
  });
});
