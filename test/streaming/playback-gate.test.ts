import type { Db } from '../../db/connection';
import { PlaybackGate } from '../../api/streaming/playback-gate';
import { createHarness, type Harness } from '../helpers/harness';
import { createTenantWithKey } from '../helpers/fixtures';
import { createStream, holder, playback, streamingEvent } from './streams-fixtures';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h.stop());

/** The pool, counting the transactions opened through it. */
function countingDb(db: Db): { db: Db; transactions: () => number } {
  let n = 0;
  const counted = new Proxy(db, {
    get(target, prop, receiver) {
      if (prop === 'transaction') n++;
      return Reflect.get(target, prop, receiver) as unknown;
    },
  });
  return { db: counted, transactions: () => n };
}

it("checks tokens in memory, asks Postgres about a session at most once per TTL, and refuses it once it's ended", async () => {
  const t = await createTenantWithKey(h, 'Playback gate organiser');
  const ev = await streamingEvent(t);
  const stream = await createStream(t, ev.eventId);
  const key = stream.ingest?.stream_key as string;
  const viewer = await holder(h, t, ev.eventId, ev.standardTypeId);
  const pb = await playback(viewer.api, stream.id);
  expect(pb.status).toBe(200);

  const counting = countingDb(h.db);
  const gate = new PlaybackGate(counting.db, h.config.TOKEN_SECRET, { revocationTtlMs: 1_000 });
  const now = Date.now();
  const answers = await Promise.all(
    Array.from({ length: 1000 }, () => gate.mayRead(key, { token: pb.body.token }, now)),
  );
  expect(answers.every((a) => a === true)).toBe(true);
  expect(counting.transactions()).toBe(1);
  // Forged, missing, or another stream's name: refused without asking.
  expect(await gate.mayRead(key, { token: `${pb.body.token.slice(0, -3)}AAA` }, now)).toBe(false);
  expect(await gate.mayRead(key, {}, now)).toBe(false);
  expect(await gate.mayRead(`${t.tenantId}-${stream.id + 1}-${'a'.repeat(32)}`, { token: pb.body.token }, now)).toBe(
    false,
  );
  expect(counting.transactions()).toBe(1);

  // The ticket is cancelled: trusted until the TTL passes, refused after.
  await h.owner('tickets').where({ id: viewer.ticketId }).update({ status: 'cancelled' });
  expect(await gate.mayRead(key, { token: pb.body.token }, now + 500)).toBe(true);
  expect(await gate.mayRead(key, { token: pb.body.token }, now + 1_500)).toBe(false);
  expect(counting.transactions()).toBe(2);
});
