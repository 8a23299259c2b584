import { SignJWT, importPKCS8, type CryptoKey } from 'jose';
import type { GoogleWalletSettings } from './settings';

const SAVE_URL = 'https://pay.google.com/gp/v/save/';
const WALLET_SCOPE = 'https://www.googleapis.com/auth/wallet_object.issuer';

const keys = new Map<string, Promise<CryptoKey>>();
const signingKey = (pem: string): Promise<CryptoKey> => {
  let key = keys.get(pem);
  if (!key) keys.set(pem, (key = importPKCS8(pem, 'RS256')));
  return key;
};

/** A "Save to Google Wallet" link: a JWT (RS256, the service account's key) carrying the class and the object. */
export async function googleSaveUrl(
  settings: GoogleWalletSettings,
  ticketClass: Record<string, unknown>,
  ticketObject: Record<string, unknown>,
): Promise<string> {
  const jwt = await new SignJWT({
    typ: 'savetowallet',
    origins: [],
    payload: { eventTicketClasses: [ticketClass], eventTicketObjects: [ticketObject] },
  })
    .setProtectedHeader({ alg: 'RS256', typ: 'JWT' })
    .setIssuer(settings.serviceAccountEmail)
    .setAudience('google')
    .setIssuedAt()
    .sign(await signingKey(settings.privateKeyPem));
  return SAVE_URL + jwt;
}

export type GoogleResource = 'eventTicketClass' | 'eventTicketObject';

/** The Wallet REST API with a service-account OAuth token (JWT bearer grant), cached until shortly before it expires. */
export class GoogleWalletClient {
  private token?: { value: string; expiresAt: number };

  constructor(private readonly settings: GoogleWalletSettings) {}

  private async accessToken(): Promise<string> {
    if (this.token && this.token.expiresAt > Date.now() + 60_000) return this.token.value;
    const assertion = await new SignJWT({ scope: WALLET_SCOPE })
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT' })
      .setIssuer(this.settings.serviceAccountEmail)
      .setAudience(this.settings.tokenUrl)
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(await signingKey(this.settings.privateKeyPem));
    const res = await fetch(this.settings.tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion }),
    });
    if (!res.ok) throw new Error(`Google OAuth token exchange failed: ${res.status}`);
    const body = (await res.json()) as { access_token: string; expires_in: number };
    this.token = { value: body.access_token, expiresAt: Date.now() + body.expires_in * 1000 };
    return body.access_token;
  }

  /**
   * Patches a class or object. A 404 means nobody saved it to Google Wallet yet: the save link
   * carries the current content then, so there is nothing to update.
   */
  async patch(resource: GoogleResource, id: string, body: Record<string, unknown>): Promise<'updated' | 'absent'> {
    const res = await fetch(`${this.settings.apiUrl}/${resource}/${encodeURIComponent(id)}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${await this.accessToken()}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (res.status === 404) return 'absent';
    if (res.status === 401) this.token = undefined;
    if (!res.ok) throw new Error(`Google Wallet ${resource} ${id}: ${res.status}`);
    return 'updated';
  }
}
