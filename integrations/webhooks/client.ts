import http from 'node:http';
import https from 'node:https';
import { DestinationRefused, checkLiteralHost, checkedLookup, type AddressRule, type ResolveAll } from './destination';

export interface PostResult {
  status?: number;
  error?: string;
  /** Set when the destination broke the address rule: no request was sent. */
  refused?: string;
  latencyMs: number;
}

/**
 * One webhook POST to the endpoint's URL, connecting only to addresses the rule admits, resolved
 * at connect time (a name that answered a public address when the endpoint was saved may answer
 * a private one now). Redirects are never followed: the answer is logged as a failed attempt.
 */
export async function postWebhook(
  url: string,
  body: string,
  headers: Record<string, string>,
  opts: { timeoutMs: number; rule: AddressRule; resolve?: ResolveAll },
): Promise<PostResult> {
  const started = Date.now();
  const elapsed = () => Date.now() - started;
  const target = new URL(url);
  try {
    // Node does not call `lookup` for a literal address, so judge those here.
    checkLiteralHost(target.hostname, opts.rule);
  } catch (err) {
    if (err instanceof DestinationRefused) return { refused: err.message, latencyMs: elapsed() };
    throw err;
  }
  return new Promise<PostResult>((done) => {
    const req = (target.protocol === 'https:' ? https : http).request(
      target,
      {
        method: 'POST',
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        lookup: checkedLookup(opts.rule, opts.resolve),
        // A pooled socket would skip the lookup, and with it the check.
        agent: false,
        signal: AbortSignal.timeout(opts.timeoutMs),
      },
      (res) => {
        res.resume();
        res.on('error', () => undefined);
        res.on('close', () => {
          const status = res.statusCode ?? 0;
          const location = res.headers.location;
          done(
            status >= 300 && status < 400
              ? {
                  status,
                  error: `Redirect to ${location?.slice(0, 300) ?? '(no Location)'} not followed: deliveries go to the endpoint's URL only`,
                  latencyMs: elapsed(),
                }
              : { status, latencyMs: elapsed() },
          );
        });
      },
    );
    req.on('error', (err) => {
      done(
        err instanceof DestinationRefused
          ? { refused: err.message, latencyMs: elapsed() }
          : { error: err.message.slice(0, 500), latencyMs: elapsed() },
      );
    });
    req.end(body);
  });
}
