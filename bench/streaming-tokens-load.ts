/**
 * The token bench's callers (a child process of bench/streaming-tokens.ts, so the API's process has its core to itself):
 * `concurrency` keep-alive node:http callers post media server play callbacks for `seconds`; one in eight carries a
 * forged token and must be refused (403), the others must be admitted (200).
 */
import { Agent, request } from 'node:http';

export interface TokenLoad {
  port: number;
  good: string;
  forged: string;
  seconds: number;
  concurrency: number;
}
export interface TokenLoadResult {
  ok: number;
  refused: number;
  wrong: number;
  seconds: number;
}

async function run(o: TokenLoad): Promise<TokenLoadResult> {
  // node:http with keep-alive: fetch's own overhead would be measured instead of the callback's.
  const agent = new Agent({ keepAlive: true, maxSockets: o.concurrency });
  const headers = (body: string) => ({ 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  const good = { body: o.good, headers: headers(o.good) };
  const forged = { body: o.forged, headers: headers(o.forged) };
  const post = (p: typeof good) =>
    new Promise<number>((resolve, reject) => {
      const req = request(
        {
          agent,
          port: o.port,
          host: '127.0.0.1',
          method: 'POST',
          path: '/api/streaming/native/callback',
          headers: p.headers,
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', reject);
      req.end(p.body);
    });
  let ok = 0;
  let refused = 0;
  let wrong = 0;
  const deadline = Date.now() + o.seconds * 1000;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: o.concurrency }, async (_, worker) => {
      for (let i = worker; Date.now() < deadline; i++) {
        const bad = i % 8 === 0;
        const status = await post(bad ? forged : good);
        if (status === (bad ? 403 : 200)) {
          if (bad) refused++;
          else ok++;
        } else wrong++;
      }
    }),
  );
  agent.destroy();
  return { ok, refused, wrong, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
}

process.once('message', (o: TokenLoad) => {
  run(o).then(
    (r) => process.send?.(r, () => process.exit(0)),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
});
