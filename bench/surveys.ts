/**
 * `npm run bench:surveys`: the surveys module's figures, one JSON object. Each part runs as its own
 * process with its own Postgres, Temporal, SMTP receiver, worker and API:
 * - `send_20k_s`: `event.ended` for an event with `SURVEYS_SEND_ATTENDEES` checked-in attendees
 *   (default 20,000) until every survey e-mail is accepted by the local SMTP receiver (target ≤ 30),
 *   bench/surveys-send.ts;
 * - `responses_per_s`: responses through the public signed-link endpoint with 32 clients,
 *   bench/surveys-responses.ts.
 * `SURVEYS_PARTS=send` runs only some parts.
 */
import { runBenchParts, type BenchPart } from './parts';

const PARTS: BenchPart[] = [
  { name: 'send', file: 'surveys-send.ts' },
  { name: 'responses', file: 'surveys-responses.ts' },
];

runBenchParts('surveys', PARTS, process.env.SURVEYS_PARTS, (pick) => ({
  send_20k_s: pick('send', 'send_20k_s'),
  responses_per_s: pick('responses', 'responses_per_s'),
})).catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
