import http2, { type ClientHttp2Session } from 'node:http2';
import { SignJWT, importPKCS8, type CryptoKey } from 'jose';
import type { ApnsSettings } from './settings';

export type PushOutcome = 'sent' | 'gone' | 'retry';

export interface PushResult<T> {
  sent: T[];
  /** The device no longer has the pass (410) or the token is not one (400 BadDeviceToken): drop it. */
  gone: T[];
  /** Throttled, server trouble or a connection lost: try again later. */
  retry: T[];
}

// APNs refuses provider tokens older than an hour and throttles refreshing more often than every 20 minutes.
const TOKEN_TTL_MS = 40 * 60_000;
const IDLE_MS = 60_000;

/** APNs over one multiplexed HTTP/2 session with token-based (ES256 JWT) auth; a pass push is an empty payload. */
export class ApnsClient {
  private session?: ClientHttp2Session;
  private key?: Promise<CryptoKey>;
  private jwt?: { value: string; at: number };
  private idle?: NodeJS.Timeout;

  constructor(private readonly settings: ApnsSettings) {}

  private async providerToken(): Promise<string> {
    if (this.jwt && Date.now() - this.jwt.at < TOKEN_TTL_MS) return this.jwt.value;
    this.key ??= importPKCS8(this.settings.keyPem, 'ES256');
    const value = await new SignJWT({})
      .setProtectedHeader({ alg: 'ES256', kid: this.settings.keyId })
      .setIssuer(this.settings.teamId)
      .setIssuedAt()
      .sign(await this.key);
    this.jwt = { value, at: Date.now() };
    return value;
  }

  private connect(): ClientHttp2Session {
    if (this.session && !this.session.closed && !this.session.destroyed) return this.session;
    const session = http2.connect(this.settings.url, this.settings.ca ? { ca: this.settings.ca } : {});
    session.on('error', () => {
      if (this.session === session) this.session = undefined;
    });
    session.on('close', () => {
      if (this.session === session) this.session = undefined;
    });
    // An idle session should neither keep the process alive nor linger for ever (see push()).
    session.unref();
    this.session = session;
    return session;
  }

  private async pushOne(token: string, jwt: string): Promise<PushOutcome> {
    const session = this.connect();
    return new Promise<PushOutcome>((resolve) => {
      let req;
      try {
        req = session.request({
          ':method': 'POST',
          ':path': `/3/device/${token}`,
          authorization: `bearer ${jwt}`,
          'apns-topic': this.settings.topic,
          'apns-push-type': 'background',
          'apns-priority': '5',
          'content-type': 'application/json',
        });
      } catch {
        resolve('retry');
        return;
      }
      let status = 0;
      let body = '';
      req.setEncoding('utf8');
      req.on('response', (headers) => {
        status = Number(headers[':status']);
      });
      req.on('data', (chunk: string) => {
        body += chunk;
      });
      req.on('error', () => resolve('retry'));
      req.on('end', () => {
        if (status === 200) return resolve('sent');
        if (status === 410) return resolve('gone');
        if (status === 400 && body.includes('BadDeviceToken')) return resolve('gone');
        if (status === 403 && body.includes('ExpiredProviderToken')) this.jwt = undefined;
        resolve('retry');
      });
      req.end('{}');
    });
  }

  /** Pushes to every item's token with at most `concurrency` streams in flight on the one session. */
  async push<T>(items: T[], tokenOf: (item: T) => string): Promise<PushResult<T>> {
    const result: PushResult<T> = { sent: [], gone: [], retry: [] };
    const jwt = await this.providerToken();
    let next = 0;
    const runner = async (): Promise<void> => {
      while (next < items.length) {
        const item = items[next++];
        result[await this.pushOne(tokenOf(item), jwt)].push(item);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.settings.concurrency, items.length) }, runner));
    clearTimeout(this.idle);
    this.idle = setTimeout(() => this.close(), IDLE_MS).unref();
    return result;
  }

  close(): void {
    this.session?.close();
    this.session = undefined;
  }
}
