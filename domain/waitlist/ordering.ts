export const WAITLIST_MODES = ['first_come', 'random'] as const;
export type WaitlistMode = (typeof WAITLIST_MODES)[number];

/** cyrb53: a fast, well-mixed 53-bit string hash, so a draw is recomputable from the seed alone. */
function hash53(input: string): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < input.length; i++) {
    const ch = input.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

/**
 * An entry's place in the queue (lower goes first, ties broken by id). First-come uses the id,
 * which grows with arrival; a random draw hashes the event's recorded seed with the id, so the
 * lottery is fair (nobody can choose their id's hash) and anyone holding the seed can reproduce it.
 */
export function queuePriority(mode: WaitlistMode, seed: string, entryId: number): number {
  return mode === 'first_come' ? entryId : hash53(`${seed}:${entryId}`);
}
