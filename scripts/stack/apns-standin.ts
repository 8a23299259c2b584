import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { importSPKI, jwtVerify } from 'jose';

export interface ApnsPush {
  token: string;
  topic: string;
  pushType: string | undefined;
  body: string;
}

export interface ApnsStandIn {
  url: string;
  pushes: ApnsPush[];
  /** Requests refused, with the reason APNs would give. */
  rejected: { path: string; reason: string }[];
  /** Answers for particular device tokens, e.g. 410 for a device that deleted the pass; `times` limits how often. */
  respond: Map<string, { status: number; reason: string; times?: number }>;
  /** Pushes answered from `respond`. */
  refused: { token: string; status: number }[];
  stop(): Promise<void>;
}

/**
 * A local HTTP/2 (TLS) server standing in for APNs: it checks the path, the method, the topic and
 * the provider token (ES256, key id, team) as APNs does, and records what it accepted.
 */
export async function startApnsStandIn(opts: {
  tlsKey: string;
  tlsCert: string;
  publicKeyPem: string;
  keyId: string;
  teamId: string;
  topic: string;
}): Promise<ApnsStandIn> {
  const publicKey = await importSPKI(opts.publicKeyPem, 'ES256');
  const verified = new Set<string>();
  const pushes: ApnsPush[] = [];
  const rejected: { path: string; reason: string }[] = [];
  const respond = new Map<string, { status: number; reason: string; times?: number }>();
  const refused: { token: string; status: number }[] = [];

  function scripted(token: string): { status: number; reason: string } | undefined {
    const answer = respond.get(token);
    if (answer?.times !== undefined && --answer.times <= 0) respond.delete(token);
    if (answer) refused.push({ token, status: answer.status });
    return answer;
  }

  async function check(headers: http2.IncomingHttpHeaders): Promise<string | undefined> {
    const path = String(headers[':path']);
    if (headers[':method'] !== 'POST') return 'MethodNotAllowed';
    if (!/^\/3\/device\/[0-9a-f]{64,200}$/.test(path)) return 'BadPath';
    if (headers['apns-topic'] !== opts.topic) return 'TopicDisallowed';
    const jwt = /^bearer (\S+)$/.exec(String(headers.authorization ?? ''))?.[1];
    if (!jwt) return 'MissingProviderToken';
    if (!verified.has(jwt)) {
      try {
        const { protectedHeader, payload } = await jwtVerify(jwt, publicKey, {
          issuer: opts.teamId,
          algorithms: ['ES256'],
        });
        if (protectedHeader.kid !== opts.keyId || typeof payload.iat !== 'number') return 'InvalidProviderToken';
      } catch {
        return 'InvalidProviderToken';
      }
      verified.add(jwt);
    }
    return undefined;
  }

  const server = http2.createSecureServer({ key: opts.tlsKey, cert: opts.tlsCert });
  server.on('stream', (stream, headers) => {
    let body = '';
    stream.setEncoding('utf8');
    stream.on('data', (c: string) => {
      body += c;
    });
    stream.on('end', () => {
      void check(headers).then((reason) => {
        const path = String(headers[':path']);
        const token = path.split('/').pop() as string;
        const answer = reason ? { status: reason === 'BadPath' ? 400 : 403, reason } : scripted(token);
        if (reason) rejected.push({ path, reason });
        else if (!answer)
          pushes.push({
            token,
            topic: String(headers['apns-topic']),
            pushType: headers['apns-push-type'] as string | undefined,
            body,
          });
        if (stream.closed) return;
        stream.respond({ ':status': answer?.status ?? 200, 'apns-id': `${pushes.length}` });
        stream.end(answer ? JSON.stringify({ reason: answer.reason }) : undefined);
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on('session', (s) => {
    sessions.add(s);
    s.on('close', () => sessions.delete(s));
  });
  return {
    url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    pushes,
    rejected,
    respond,
    refused,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of sessions) s.destroy();
        server.close(() => resolve());
      }),
  };
}
