import { createHash } from 'node:crypto';
import { PNG } from 'pngjs';
import { applePassDesign, brandingFromSettings, type PassSubject } from '../../domain/wallet/design';
import { renderApplePass } from '../../integrations/wallet/apple-pass';
import { passImages } from '../../integrations/wallet/pass-images';
import type { AppleWalletSettings } from '../../integrations/wallet/settings';
import {
  makeWalletTestKeys,
  passImageSizes,
  readStoredZip,
  verifyPassSignature,
  type WalletTestKeys,
} from '../helpers/wallet';

// The .pkpass itself, without a server: images from every kind of branding, the manifest and the signature.

let keys: WalletTestKeys;
let settings: AppleWalletSettings;
beforeAll(() => {
  keys = makeWalletTestKeys();
  settings = {
    passTypeId: 'pass.test.usher',
    teamId: 'TEAM123456',
    webServiceUrl: 'https://tickets.example.com/api/wallet/apple',
    certificates: { signerCert: keys.signerCertPem, signerKey: keys.signerKeyPem, wwdr: keys.wwdrPem },
  };
});
afterAll(() => keys.cleanup());

const subject = (organization: string): PassSubject => ({
  tenantName: organization,
  branding: brandingFromSettings({ branding: { background_color: '#203040' } }),
  event: {
    id: 1,
    name: 'Night Show',
    startsAt: new Date('2027-03-01T19:30:00Z'),
    endsAt: new Date('2027-03-01T22:00:00Z'),
    timezone: 'UTC',
    status: 'on_sale',
    venueName: 'Main Hall',
    venueAddress: null,
    latitude: null,
    longitude: null,
  },
  ticket: {
    id: 1,
    code: 'ABCDEFGH',
    status: 'valid',
    section: null,
    seat: null,
    holderName: null,
    ticketTypeName: 'GA',
  },
});

function png(width: number, height: number, rgba = 0x00ff00ff): Buffer {
  const image = new PNG({ width, height });
  for (let i = 0; i < image.data.length; i += 4) image.data.writeUInt32BE(rgba >>> 0, i);
  return PNG.sync.write(image);
}

function render(organization: string, logo?: Buffer): Record<string, Buffer> {
  return readStoredZip(
    renderApplePass(
      settings,
      { serialNumber: 's1', authToken: 'a'.repeat(32) },
      applePassDesign(subject(organization)),
      logo,
    ),
  );
}

const ICONS = { 'icon.png': [29, 29], 'icon@2x.png': [58, 58], 'icon@3x.png': [87, 87] };
const sizesOf = (files: Record<string, Buffer>) =>
  Object.fromEntries(Object.entries(passImageSizes(files)).map(([name, s]) => [name, [s.width, s.height]]));

describe('Apple pass file', () => {
  it('is signed (openssl smime and cms both verify it) with every file in the manifest', () => {
    const files = render('Hall Co');
    const manifest = JSON.parse(files['manifest.json'].toString()) as Record<string, string>;
    expect(Object.keys(manifest).sort()).toEqual(
      Object.keys(files)
        .filter((f) => f !== 'manifest.json' && f !== 'signature')
        .sort(),
    );
    for (const [name, hash] of Object.entries(manifest))
      expect(createHash('sha1').update(files[name]).digest('hex')).toBe(hash);
    expect(verifyPassSignature(keys, files, 'smime')).toBe(true);
    expect(verifyPassSignature(keys, files, 'cms')).toBe(true);
  });

  it.each([
    ['a wide logo', png(600, 100), [160, 27]],
    ['a tall logo', png(100, 400), [13, 50]],
    ['a small square logo', png(20, 20), [50, 50]],
  ])('fits %s within 160x50 points, its 2x and 3x exactly twice and three times that', (_what, logo, [w, h]) => {
    expect(sizesOf(render('Hall Co', logo))).toEqual({
      ...ICONS,
      'logo.png': [w, h],
      'logo@2x.png': [w * 2, h * 2],
      'logo@3x.png': [w * 3, h * 3],
    });
  });

  it('falls back to the default images for a logo that is not a PNG, is broken or is too large to decode', () => {
    const artwork = applePassDesign(subject('Hall Co')).artwork;
    const standard = passImages(artwork).hashes;
    const huge = png(4, 4);
    huge.writeUInt32BE(50_000, 16); // IHDR width: what a decompression bomb claims
    for (const logo of [Buffer.from('GIF89a'), png(10, 10).subarray(0, 40), huge])
      expect(passImages(artwork, logo).hashes).toEqual(standard);
    expect(sizesOf(render('Hall Co', Buffer.from('nope')))).toMatchObject({ ...ICONS, 'logo.png': [50, 50] });
  });

  it('draws a plain mark for a name with no initial the font has, and caches the images of a branding', () => {
    const cjk = passImages(applePassDesign(subject('東京')).artwork);
    expect(cjk.files.map(([n]) => n)).toEqual([
      'icon.png',
      'icon@2x.png',
      'icon@3x.png',
      'logo.png',
      'logo@2x.png',
      'logo@3x.png',
    ]);
    expect(passImages(applePassDesign(subject('東京')).artwork)).toBe(cjk);
    expect(passImages(applePassDesign(subject('Hall Co')).artwork).hashes).not.toEqual(cjk.hashes);
  });
});
