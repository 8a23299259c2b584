import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import http, { type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { importSPKI, jwtVerify } from 'jose';

export interface WalletTestKeys {
  dir: string;
  /** Stand-in for Apple's WWDR intermediate: the CA that issued the signer certificate. */
  wwdrPem: string;
  signerCertPem: string;
  signerKeyPem: string;
  /** APNs token key (.p8, EC P-256). */
  apnsKeyPem: string;
  apnsPublicKeyPem: string;
  /** Self-signed TLS certificate for the local APNs stand-in, trusted by the client as its CA. */
  tlsCertPem: string;
  tlsKeyPem: string;
  /** Google service account key pair (RSA). */
  googleKeyPem: string;
  googlePublicKeyPem: string;
  cleanup(): void;
}

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
}

/** Makes every key and certificate the wallet needs, at run time, in a temporary folder. */
export function makeWalletTestKeys(): WalletTestKeys {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'usher-wallet-'));
  const subj = (cn: string) => ['-subj', `/CN=${cn}/O=Usher Test`];
  openssl(dir, [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'wwdr.key',
    '-out',
    'wwdr.pem',
    '-days',
    '2',
    ...subj('Test WWDR'),
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  openssl(dir, [
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'signer.key',
    '-out',
    'signer.csr',
    ...subj('Pass Type ID: pass.test.usher'),
  ]);
  openssl(dir, [
    'x509',
    '-req',
    '-in',
    'signer.csr',
    '-CA',
    'wwdr.pem',
    '-CAkey',
    'wwdr.key',
    '-CAcreateserial',
    '-out',
    'signer.pem',
    '-days',
    '2',
  ]);
  openssl(dir, [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'tls.key',
    '-out',
    'tls.pem',
    '-days',
    '2',
    ...subj('127.0.0.1'),
    '-addext',
    'subjectAltName=IP:127.0.0.1,DNS:localhost',
  ]);
  const apns = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const google = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const read = (f: string) => fs.readFileSync(path.join(dir, f), 'utf8');
  return {
    dir,
    wwdrPem: read('wwdr.pem'),
    signerCertPem: read('signer.pem'),
    signerKeyPem: read('signer.key'),
    apnsKeyPem: apns.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    apnsPublicKeyPem: apns.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    tlsCertPem: read('tls.pem'),
    tlsKeyPem: read('tls.key'),
    googleKeyPem: google.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    googlePublicKeyPem: google.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    cleanup: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

/** The environment a wallet-enabled server reads: inline PEMs, nothing written by the app. */
export function walletEnv(keys: WalletTestKeys, extra: Record<string, string> = {}): Record<string, string> {
  return {
    APPLE_PASS_TYPE_ID: 'pass.test.usher',
    APPLE_TEAM_ID: 'TEAM123456',
    APPLE_SIGNER_CERT: keys.signerCertPem,
    APPLE_SIGNER_KEY: keys.signerKeyPem,
    APPLE_WWDR_CERT: keys.wwdrPem,
    APNS_KEY: keys.apnsKeyPem,
    APNS_KEY_ID: 'KEY1234567',
    APNS_CA_CERT: keys.tlsCertPem,
    GOOGLE_WALLET_ISSUER_ID: '3388000000012345',
    GOOGLE_WALLET_SERVICE_ACCOUNT_EMAIL: 'wallet@usher-test.iam.gserviceaccount.com',
    GOOGLE_WALLET_PRIVATE_KEY: keys.googleKeyPem,
    // Nothing leaves the machine: a test that wants APNs or Google points these at its stand-ins.
    APNS_URL: 'https://127.0.0.1:9',
    GOOGLE_WALLET_API_URL: 'http://127.0.0.1:9/walletobjects/v1',
    GOOGLE_OAUTH_TOKEN_URL: 'http://127.0.0.1:9/token',
    ...extra,
  };
}

/** Reads a stored (uncompressed) zip, which is what a .pkpass is. */
export function readStoredZip(zip: Buffer): Record<string, Buffer> {
  const files: Record<string, Buffer> = {};
  let at = 0;
  while (zip.readUInt32LE(at) === 0x04034b50) {
    const method = zip.readUInt16LE(at + 8);
    const size = zip.readUInt32LE(at + 18);
    const nameLength = zip.readUInt16LE(at + 26);
    const extraLength = zip.readUInt16LE(at + 28);
    const name = zip.toString('utf8', at + 30, at + 30 + nameLength);
    if (method !== 0) throw new Error(`${name} is compressed`);
    const start = at + 30 + nameLength + extraLength;
    files[name] = zip.subarray(start, start + size);
    at = start + size;
  }
  return files;
}

/** Each PNG of a pass with its real pixel size, read from the PNG header (IHDR), whatever its name says. */
export function passImageSizes(files: Record<string, Buffer>): Record<string, { width: number; height: number }> {
  const sizes: Record<string, { width: number; height: number }> = {};
  for (const [name, png] of Object.entries(files)) {
    if (!name.endsWith('.png')) continue;
    if (png.toString('hex', 0, 8) !== '89504e470d0a1a0a' || png.toString('latin1', 12, 16) !== 'IHDR')
      throw new Error(`${name} is not a PNG`);
    sizes[name] = { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
  }
  return sizes;
}

/** `openssl smime -verify` (or `openssl cms -verify`) of a pass's detached signature over its manifest, against the test WWDR CA. */
export function verifyPassSignature(
  keys: WalletTestKeys,
  files: Record<string, Buffer>,
  command: 'smime' | 'cms' = 'smime',
): boolean {
  const sig = path.join(keys.dir, `sig-${process.hrtime.bigint()}`);
  const manifest = `${sig}.manifest`;
  fs.writeFileSync(sig, files.signature);
  fs.writeFileSync(manifest, files['manifest.json']);
  try {
    execFileSync(
      'openssl',
      [
        command,
        '-verify',
        '-binary',
        '-inform',
        'DER',
        '-in',
        sig,
        '-content',
        manifest,
        '-CAfile',
        path.join(keys.dir, 'wwdr.pem'),
        '-purpose',
        'any',
        '-out',
        '/dev/null',
      ],
      { stdio: 'pipe' },
    );
    return true;
  } catch {
    return false;
  } finally {
    fs.rmSync(sig, { force: true });
    fs.rmSync(manifest, { force: true });
  }
}

export interface GoogleStandIn {
  apiUrl: string;
  tokenUrl: string;
  /** Token exchanges that passed: the assertion verified against the service account's public key. */
  tokensIssued: number;
  patches: { resource: string; id: string; body: Record<string, unknown> }[];
  rejected: string[];
  stop(): Promise<void>;
}

/** A local stand-in for Google's OAuth token endpoint and the Wallet REST API, checking what Google checks. */
export async function startGoogleStandIn(keys: WalletTestKeys, serviceAccountEmail: string): Promise<GoogleStandIn> {
  const publicKey = await importSPKI(keys.googlePublicKeyPem, 'RS256');
  const accessToken = 'ya29.test-access-token';
  let base = '';
  const state: GoogleStandIn = {
    apiUrl: '',
    tokenUrl: '',
    tokensIssued: 0,
    patches: [],
    rejected: [],
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  const server: Server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => {
      raw += c.toString('utf8');
    });
    req.on('end', () => {
      void (async () => {
        const reply = (status: number, body: unknown) => {
          res.writeHead(status, { 'content-type': 'application/json' });
          res.end(JSON.stringify(body));
        };
        if (req.method === 'POST' && req.url === '/token') {
          const form = new URLSearchParams(raw);
          try {
            if (form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer') throw new Error('grant_type');
            const { payload } = await jwtVerify(form.get('assertion') ?? '', publicKey, {
              issuer: serviceAccountEmail,
              audience: `${base}/token`,
            });
            if (payload.scope !== 'https://www.googleapis.com/auth/wallet_object.issuer') throw new Error('scope');
          } catch (err) {
            state.rejected.push(`token: ${(err as Error).message}`);
            return reply(400, { error: 'invalid_grant' });
          }
          state.tokensIssued++;
          return reply(200, { access_token: accessToken, expires_in: 3600, token_type: 'Bearer' });
        }
        const match = /^\/walletobjects\/v1\/(eventTicketClass|eventTicketObject)\/([^/]+)$/.exec(req.url ?? '');
        if (req.method !== 'PATCH' || !match) return reply(404, { error: { code: 404 } });
        if (req.headers.authorization !== `Bearer ${accessToken}`) {
          state.rejected.push(`${match[1]}: bad token`);
          return reply(401, { error: { code: 401 } });
        }
        const body = JSON.parse(raw) as Record<string, unknown>;
        const id = decodeURIComponent(match[2]);
        if (body.id !== id) {
          state.rejected.push(`${match[1]}: body id ${String(body.id)} for ${id}`);
          return reply(400, { error: { code: 400 } });
        }
        state.patches.push({ resource: match[1], id, body });
        return reply(200, body);
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.apiUrl = `${base}/walletobjects/v1`;
  state.tokenUrl = `${base}/token`;
  return state;
}
