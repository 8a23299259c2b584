/**
 * `npm run bench:streaming`: the streaming module's figures, one JSON object. Each part runs as its own process:
 * - `playback_token_checks_per_s`: the native media server's read callback checking playback tokens over HTTP
 *   (target ≥ 10,000), bench/streaming-tokens.ts (`STREAMING_TOKEN_SECONDS`, `STREAMING_TOKEN_CONCURRENCY`);
 * - `chat_fanout_p99_ms` with 5,000 connected viewers receiving 20 messages/s (target ≤ 100) and
 *   `viewer_sessions_memory_mb` for 5,000 idle viewer sockets, bench/streaming-chat.ts.
 * `STREAMING_PARTS=tokens` runs only some parts.
 */
import { runBenchParts, type BenchPart } from './parts';

const PARTS: BenchPart[] = [
  { name: 'tokens', file: 'streaming-tokens.ts', env: {} },
  { name: 'chat', file: 'streaming-chat.ts', env: {} },
];

runBenchParts('streaming', PARTS, process.env.STREAMING_PARTS, (pick) => ({
  playback_token_checks_per_s: pick('tokens', 'playback_token_checks_per_s'),
  chat_fanout_p99_ms: pick('chat', 'chat_fanout_p99_ms'),
  viewer_sessions_memory_mb: pick('chat', 'viewer_sessions_memory_mb'),
})).catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
