import { createHash } from 'node:crypto';
import { importSPKI, jwtVerify } from 'jose';
import { PNG } from 'pngjs';
import { createHarness, client, type Harness } from '../helpers/harness';
import { createOnSaleEvent, createTenantWithKey, type TenantFixture } from '../helpers/fixtures';
import {
  makeWalletTestKeys,
  passImageSizes,
  readStoredZip,
  startGoogleStandIn,
  verifyPassSignature,
  walletEnv,
  type GoogleStandIn,
  type WalletTestKeys,
} from '../helpers/wallet';

let h: Harness;
let t: TenantFixture;
let keys: WalletTestKeys;
let google: GoogleStandIn;
let ticket: { id: number; code: string };
let eventId: number;

const PASS_TYPE = 'pass.test.usher';
const PUSH_TOKEN = 'a'.repeat(64);

async function binary(
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; body: Buffer }> {
  const res = await fetch(h.baseUrl + path, { headers });
  return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
}

async function downloadPass(
  ticketId = ticket.id,
  key = t.key,
): Promise<{ files: Record<string, Buffer>; pass: Record<string, unknown> }> {
  const res = await binary(`/api/wallet/ticket/${ticketId}/apple`, { authorization: `Bearer ${key}` });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('application/vnd.apple.pkpass');
  const files = readStoredZip(res.body);
  return { files, pass: JSON.parse(files['pass.json'].toString('utf8')) };
}

beforeAll(async () => {
  keys = makeWalletTestKeys();
  // Ticket changes here also rewrite Google objects; the stand-in takes them.
  google = await startGoogleStandIn(keys, 'wallet@usher-test.iam.gserviceaccount.com');
  h = await createHarness({
    worker: true,
    env: walletEnv(keys, {
      PUBLIC_API_URL: 'https://tickets.example.com',
      GOOGLE_WALLET_API_URL: google.apiUrl,
      GOOGLE_OAUTH_TOKEN_URL: google.tokenUrl,
    }),
  });
  t = await createTenantWithKey(h, 'Rock Hall');
  await t.api.put('/api/modules/wallet', {
    enabled: true,
    settings: {
      branding: {
        organization_name: 'Rock Hall Live',
        background_color: '#102030',
        foreground_color: '#ffffff',
        label_color: '#aabbcc',
      },
    },
  });
  const f = await createOnSaleEvent(t);
  eventId = f.eventId;
  await t.api.patch(`/api/events/${f.eventId}`, { venue: { latitude: 52.52, longitude: 13.405 } });
  const order = await t.api.post<{ tickets: { id: number; code: string }[] }>('/api/orders', {
    event_id: f.eventId,
    customer_id: f.customerId,
    items: [{ ticket_type_id: f.ticketTypeId, quantity: 2 }],
  });
  ticket = order.body.tickets[0];
  await t.api.patch(`/api/tickets/${ticket.id}`, { section: 'B', seat: '12' });
});
afterAll(async () => {
  await h.stop();
  await google.stop();
  keys.cleanup();
});

describe('Apple Wallet pass', () => {
  it('is an event ticket with the event, venue, seat, QR of the scanner code, branding, relevance and web service', async () => {
    const { pass } = await downloadPass();
    expect(pass).toMatchObject({
      formatVersion: 1,
      passTypeIdentifier: PASS_TYPE,
      teamIdentifier: 'TEAM123456',
      organizationName: 'Rock Hall Live',
      webServiceURL: 'https://tickets.example.com/api/wallet/apple',
      backgroundColor: 'rgb(16, 32, 48)',
      foregroundColor: 'rgb(255, 255, 255)',
      labelColor: 'rgb(170, 187, 204)',
      barcodes: [expect.objectContaining({ format: 'PKBarcodeFormatQR', message: ticket.code })],
      locations: [expect.objectContaining({ latitude: 52.52, longitude: 13.405 })],
      voided: false,
    });
    expect(String(pass.authenticationToken).length).toBeGreaterThanOrEqual(16);
    const event = (await t.api.get<{ starts_at: string }>(`/api/events/${eventId}`)).body;
    expect(new Date(String(pass.relevantDate)).toISOString()).toBe(event.starts_at);
    const fields = pass.eventTicket as Record<string, { key: string; value: string }[]>;
    const all = Object.fromEntries(
      Object.values(fields)
        .flat()
        .map((f) => [f.key, f.value]),
    );
    expect(all).toMatchObject({
      event: 'Test concert',
      venue: 'Hall',
      address: '1 Main St',
      section: 'B',
      seat: '12',
      type: 'General admission',
      starts: event.starts_at,
    });
  });

  it('carries a manifest whose hashes match its files and a signature that verifies against the signer certificate', async () => {
    const { files } = await downloadPass();
    const manifest = JSON.parse(files['manifest.json'].toString('utf8')) as Record<string, string>;
    const packed = Object.keys(files)
      .filter((f) => f !== 'manifest.json' && f !== 'signature')
      .sort();
    expect(Object.keys(manifest).sort()).toEqual(packed);
    for (const name of packed) expect(manifest[name]).toBe(createHash('sha1').update(files[name]).digest('hex'));
    expect(verifyPassSignature(keys, files)).toBe(true);
    // Flip the first hex digit of pass.json's hash to a different one, so the manifest always changes.
    const tamperedManifest = files['manifest.json']
      .toString()
      .replace(/"pass.json":"(\w)/, (_m, d: string) => `"pass.json":"${d === '0' ? '1' : '0'}`);
    expect(tamperedManifest).not.toBe(files['manifest.json'].toString());
    const tampered = { ...files, 'manifest.json': Buffer.from(tamperedManifest) };
    expect(verifyPassSignature(keys, tampered)).toBe(false);
  });

  it('carries the semantic tags of an event ticket and its relevant dates, keeping relevantDate for older devices', async () => {
    const { pass } = await downloadPass();
    const event = (await t.api.get<{ starts_at: string; ends_at: string }>(`/api/events/${eventId}`)).body;
    const iso = (v: unknown) => new Date(String(v)).toISOString();
    const semantics = pass.semantics as Record<string, unknown>;
    expect(semantics).toMatchObject({
      eventType: 'PKEventTypeGeneric',
      eventName: 'Test concert',
      venueName: 'Hall',
      venueLocation: { latitude: 52.52, longitude: 13.405 },
      seats: [{ seatSection: 'B', seatNumber: '12' }],
    });
    expect([iso(semantics.eventStartDate), iso(semantics.eventEndDate)]).toEqual([event.starts_at, event.ends_at]);
    const relevantDates = pass.relevantDates as { startDate: string; endDate: string }[];
    expect(relevantDates.map((d) => [iso(d.startDate), iso(d.endDate)])).toEqual([[event.starts_at, event.ends_at]]);
    expect(iso(pass.relevantDate)).toBe(event.starts_at);
  });

  it("ships the icon at 29, 58 and 87 px and a logo at 1x, 2x and 3x, drawn in the tenant's colours, each the size its name says", async () => {
    const { files } = await downloadPass();
    const sizes = passImageSizes(files);
    expect(Object.keys(sizes).sort()).toEqual([
      'icon.png',
      'icon@2x.png',
      'icon@3x.png',
      'logo.png',
      'logo@2x.png',
      'logo@3x.png',
    ]);
    expect([sizes['icon.png'], sizes['icon@2x.png'], sizes['icon@3x.png']]).toEqual([
      { width: 29, height: 29 },
      { width: 58, height: 58 },
      { width: 87, height: 87 },
    ]);
    expectLogoSizes(sizes, { width: 50, height: 50 });
    // No placeholder: the icon is the brand's background with the initial in its foreground colour.
    const icon = PNG.sync.read(files['icon@3x.png']);
    expect(pixel(icon, 0, 0)).toBe('102030ff');
    const white = Array.from({ length: icon.width * icon.height }, (_v, i) => icon.data.readUInt32BE(i * 4)).filter(
      (rgba) => rgba === 0xffffffff,
    );
    expect(white.length).toBeGreaterThan(20);
    expectSignedPass(files);
  });

  it("draws the icon and logo from the tenant's own logo, the logo in its proportions", async () => {
    const other = await createTenantWithKey(h, 'Élan Arts');
    // A wide red wordmark, 4:1, on the tenant's black.
    const red = new PNG({ width: 400, height: 100 });
    for (let i = 0; i < red.data.length; i += 4) red.data.writeUInt32BE(0xff0000ff, i);
    const wordmark = PNG.sync.write(red);
    await other.api.put('/api/modules/wallet', {
      enabled: true,
      settings: { branding: { background_color: '#000000', logo_png_base64: wordmark.toString('base64') } },
    });
    const f = await createOnSaleEvent(other);
    const order = await other.api.post<{ tickets: { id: number }[] }>('/api/orders', {
      event_id: f.eventId,
      customer_id: f.customerId,
      items: [{ ticket_type_id: f.ticketTypeId, quantity: 1 }],
    });
    const { files } = await downloadPass(order.body.tickets[0].id, other.key);
    const sizes = passImageSizes(files);
    expect([sizes['icon.png'], sizes['icon@2x.png'], sizes['icon@3x.png']]).toEqual([
      { width: 29, height: 29 },
      { width: 58, height: 58 },
      { width: 87, height: 87 },
    ]);
    expectLogoSizes(sizes, { width: 160, height: 40 });
    const icon = PNG.sync.read(files['icon@3x.png']);
    expect([pixel(icon, 0, 0), pixel(icon, 43, 43)]).toEqual(['000000ff', 'ff0000ff']);
    expect(pixel(PNG.sync.read(files['logo@3x.png']), 240, 60)).toBe('ff0000ff');
    expectSignedPass(files);
  });

  it("is the caller's own: another customer's token answers 404", async () => {
    const other = await t.api.post<{ id: number }>('/api/customers', { email: 'other@example.com', name: 'Other' });
    const token = await t.api.post<{ token: string }>(`/api/customers/${other.body.id}/tokens`, {});
    const res = await binary(`/api/wallet/ticket/${ticket.id}/apple`, { authorization: `Bearer ${token.body.token}` });
    expect(res.status).toBe(404);
  });
});

/** A pixel of a decoded PNG as 'rrggbbaa'. */
const pixel = (png: PNG, x: number, y: number) =>
  png.data.toString('hex', (y * png.width + x) * 4, (y * png.width + x + 1) * 4);

/** logo.png is the given size (within Apple's 160x50 points), and its @2x and @3x exactly twice and three times it. */
function expectLogoSizes(
  sizes: Record<string, { width: number; height: number }>,
  logo: { width: number; height: number },
) {
  expect(logo.width).toBeLessThanOrEqual(160);
  expect(logo.height).toBeLessThanOrEqual(50);
  expect([sizes['logo.png'], sizes['logo@2x.png'], sizes['logo@3x.png']]).toEqual([
    logo,
    { width: logo.width * 2, height: logo.height * 2 },
    { width: logo.width * 3, height: logo.height * 3 },
  ]);
}

/** Every file but the manifest and signature is in the manifest with its SHA-1, and openssl verifies the signature. */
function expectSignedPass(files: Record<string, Buffer>) {
  const manifest = JSON.parse(files['manifest.json'].toString('utf8')) as Record<string, string>;
  const packed = Object.keys(files).filter((f) => f !== 'manifest.json' && f !== 'signature');
  expect(Object.keys(manifest).sort()).toEqual(packed.sort());
  for (const name of packed) expect(manifest[name]).toBe(createHash('sha1').update(files[name]).digest('hex'));
  expect(verifyPassSignature(keys, files)).toBe(true);
}

describe('PassKit web service', () => {
  let serial: string;
  let authToken: string;
  const anon = () => client(h.baseUrl);
  const applePass = (token: string) => ({ authorization: `ApplePass ${token}` });
  const registration = (device: string, s = serial) =>
    `/api/wallet/apple/v1/devices/${device}/registrations/${PASS_TYPE}/${s}`;

  beforeAll(async () => {
    const { pass } = await downloadPass();
    serial = String(pass.serialNumber);
    authToken = String(pass.authenticationToken);
  });

  it('registers a device (201, then 200), lists its updated serials, and unregisters it', async () => {
    expect((await anon().post(registration('device-1'), { pushToken: PUSH_TOKEN }, applePass(authToken))).status).toBe(
      201,
    );
    expect((await anon().post(registration('device-1'), { pushToken: PUSH_TOKEN }, applePass(authToken))).status).toBe(
      200,
    );
    const list = await anon().get<{ serialNumbers: string[]; lastUpdated: string }>(
      `/api/wallet/apple/v1/devices/device-1/registrations/${PASS_TYPE}`,
    );
    expect(list.status).toBe(200);
    expect(list.body.serialNumbers).toEqual([serial]);
    const again = await anon().get(
      `/api/wallet/apple/v1/devices/device-1/registrations/${PASS_TYPE}?passesUpdatedSince=${list.body.lastUpdated}`,
    );
    expect(again.status).toBe(204);
    const del = await anon().request('DELETE', registration('device-1'), undefined, applePass(authToken));
    expect(del.status).toBe(200);
    expect(await h.owner('wallet_push_registrations').where({ device_library_id: 'device-1' })).toHaveLength(0);
    expect((await anon().get(`/api/wallet/apple/v1/devices/device-1/registrations/${PASS_TYPE}`)).status).toBe(204);
  });

  it('serves the latest pass, 304 when not modified since, and a newer one after the ticket changes', async () => {
    const first = await binary(`/api/wallet/apple/v1/passes/${PASS_TYPE}/${serial}`, applePass(authToken));
    expect(first.status).toBe(200);
    const lastModified = first.headers.get('last-modified') as string;
    expect(lastModified).toBeTruthy();
    expect(
      (
        await binary(`/api/wallet/apple/v1/passes/${PASS_TYPE}/${serial}`, {
          ...applePass(authToken),
          'if-modified-since': lastModified,
        })
      ).status,
    ).toBe(304);
    await t.api.patch(`/api/tickets/${ticket.id}`, { seat: '14' });
    const changed = await eventually304Gone(lastModified);
    const pass = JSON.parse(readStoredZip(changed)['pass.json'].toString()) as {
      eventTicket: { auxiliaryFields: { key: string; value: string }[] };
    };
    expect(pass.eventTicket.auxiliaryFields.find((f) => f.key === 'seat')?.value).toBe('14');
  });

  async function eventually304Gone(lastModified: string): Promise<Buffer> {
    const { eventually } = await import('../helpers/harness');
    return eventually(
      async () => {
        const res = await binary(`/api/wallet/apple/v1/passes/${PASS_TYPE}/${serial}`, {
          ...applePass(authToken),
          'if-modified-since': lastModified,
        });
        return res.status === 200 ? res.body : undefined;
      },
      { what: 'the pass to be modified' },
    );
  }

  it("answers Apple's codes to wrong tokens, unknown serials or pass types and malformed push tokens, changing nothing", async () => {
    const before = await h.owner('wallet_push_registrations').count<{ count: string }[]>({ count: '*' });
    expect(
      (await anon().post(registration('device-2'), { pushToken: PUSH_TOKEN }, applePass('wrong-token-wrong-token')))
        .status,
    ).toBe(401);
    expect((await anon().post(registration('device-2'), { pushToken: PUSH_TOKEN })).status).toBe(401);
    expect(
      (await anon().post(registration('device-2', 'nosuchserial'), { pushToken: PUSH_TOKEN }, applePass(authToken)))
        .status,
    ).toBe(404);
    expect(
      (
        await anon().post(
          `/api/wallet/apple/v1/devices/device-2/registrations/pass.other/${serial}`,
          { pushToken: PUSH_TOKEN },
          applePass(authToken),
        )
      ).status,
    ).toBe(404);
    const malformed = await anon().post(registration('device-2'), { pushToken: 'not hex!' }, applePass(authToken));
    expect([malformed.status, malformed.body.code]).toEqual([400, 'invalid_push_token']);
    expect(
      (await anon().request('DELETE', registration('device-2'), undefined, applePass('nope-nope-nope-nope'))).status,
    ).toBe(401);
    expect(
      (await binary(`/api/wallet/apple/v1/passes/${PASS_TYPE}/${serial}`, applePass('nope-nope-nope-nope'))).status,
    ).toBe(401);
    expect((await binary(`/api/wallet/apple/v1/passes/${PASS_TYPE}/unknown`, applePass(authToken))).status).toBe(404);
    expect((await anon().get(`/api/wallet/apple/v1/devices/device-2/registrations/pass.other`)).status).toBe(404);
    expect(await h.owner('wallet_push_registrations').count<{ count: string }[]>({ count: '*' })).toEqual(before);
  });

  it('accepts device logs', async () => {
    expect(
      (await anon().post('/api/wallet/apple/v1/log', { logs: ['Web service error for pass.test.usher: 500'] })).status,
    ).toBe(200);
    expect((await anon().post('/api/wallet/apple/v1/log', { logs: 'nope' })).status).toBe(400);
  });
});

describe('Google Wallet save link', () => {
  it('is a JWT signed RS256 by the service account, with a class per event and an object per ticket', async () => {
    const res = await t.api.get<{ url: string; class_id: string; object_id: string }>(
      `/api/wallet/ticket/${ticket.id}/google`,
    );
    expect(res.status).toBe(200);
    expect(res.body.url).toMatch(/^https:\/\/pay\.google\.com\/gp\/v\/save\//);
    const jwt = res.body.url.split('/').pop() as string;
    const { payload, protectedHeader } = await jwtVerify(jwt, await importSPKI(keys.googlePublicKeyPem, 'RS256'), {
      issuer: 'wallet@usher-test.iam.gserviceaccount.com',
      audience: 'google',
    });
    expect(protectedHeader.alg).toBe('RS256');
    const body = payload as {
      typ: string;
      payload: { eventTicketClasses: Record<string, unknown>[]; eventTicketObjects: Record<string, unknown>[] };
    };
    expect(body.typ).toBe('savetowallet');
    expect(body.payload.eventTicketClasses[0]).toMatchObject({
      id: `3388000000012345.${t.tenantId}-event-${eventId}`,
      issuerName: 'Rock Hall Live',
      hexBackgroundColor: '#102030',
      eventName: { defaultValue: { value: 'Test concert' } },
    });
    expect(body.payload.eventTicketObjects[0]).toMatchObject({
      id: res.body.object_id,
      classId: res.body.class_id,
      state: 'ACTIVE',
      barcode: { type: 'QR_CODE', value: ticket.code },
      seatInfo: { section: { defaultValue: { value: 'B' } } },
    });
  });
});

describe('without wallet configuration', () => {
  it('answers 503 wallet_not_configured, never a 500', async () => {
    const bare = await createHarness({ worker: false });
    try {
      const b = await createTenantWithKey(bare);
      const res = await b.api.get(`/api/wallet/apple/v1/devices/d/registrations/${PASS_TYPE}`);
      expect([res.status, res.body.code]).toEqual([503, 'wallet_not_configured']);
    } finally {
      await bare.stop();
    }
  });
});
