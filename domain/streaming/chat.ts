import { DataSet, RegExpMatcher, englishDataset, englishRecommendedTransformers, parseRawPattern } from 'obscenity';

/** The chat's pure rules: what a viewer may post, and when. */

export const MAX_CHAT_MESSAGE_LENGTH = 500;
export const SLOW_MODE_MIN_SECONDS = 1;
export const SLOW_MODE_MAX_SECONDS = 120;
/** Reactions a message takes: a short, fixed set keeps the counts meaningful and the payloads small. */
export const CHAT_REACTIONS = ['👍', '❤️', '😂', '😮', '👏', '🔥'] as const;
export type ChatReaction = (typeof CHAT_REACTIONS)[number];

/** Why a post is refused: the `code` of the socket's error reply. */
export const CHAT_REFUSALS = [
  'banned',
  'timed_out',
  'slow_mode',
  'banned_word',
  'access_lost',
  'reply_not_found',
  'message_not_found',
  'customer_not_found',
] as const;
export type ChatRefusal = (typeof CHAT_REFUSALS)[number];

export interface Sanction {
  kind: 'timeout' | 'ban';
  endsAt: Date | null;
}

/** Tenant words as the matcher compares them: lower case, accents dropped, single spaces. */
export function normaliseWord(word: string): string {
  return word.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase().trim().replace(/\s+/g, ' ');
}

// Obscenity's pattern syntax gives [ ] ? | \ a meaning; a tenant's word is taken literally.
const literal = (word: string): string => word.replace(/[[\]?|\\]/g, (c) => `\\${c}`);

/**
 * A profanity check: obscenity's maintained English list (with its leetspeak and look-alike handling)
 * plus the tenant's own words, matched as whole words. Built once per distinct word list.
 */
export class BannedWords {
  private readonly matcher: RegExpMatcher;

  constructor(tenantWords: readonly string[], useProfanityList = true) {
    const dataset = new DataSet<{ originalWord?: string }>();
    if (useProfanityList) dataset.addAll(englishDataset);
    for (const word of new Set(tenantWords.map(normaliseWord).filter(Boolean)))
      dataset.addPhrase((p) => p.setMetadata({ originalWord: word }).addPattern(parseRawPattern(`|${literal(word)}|`)));
    this.matcher = new RegExpMatcher({ ...dataset.build(), ...englishRecommendedTransformers });
  }

  matches(text: string): boolean {
    return this.matcher.hasMatch(normaliseWord(text));
  }
}

const cache = new Map<string, BannedWords>();
const CACHE_LIMIT = 500;

/** The matcher for one tenant's configuration; tenants sharing a configuration share it. */
export function bannedWordsFor(tenantWords: readonly string[], useProfanityList: boolean): BannedWords {
  const key = JSON.stringify([useProfanityList, [...tenantWords].sort()]);
  let found = cache.get(key);
  if (!found) {
    if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
    found = new BannedWords(tenantWords, useProfanityList);
    cache.set(key, found);
  }
  return found;
}

/** The sanction that keeps a viewer quiet now, if any: a ban, or a time-out not yet over. */
export function activeSanction(sanctions: readonly Sanction[], now: Date): Sanction | undefined {
  return (
    sanctions.find((s) => s.kind === 'ban') ??
    sanctions
      .filter((s) => s.kind === 'timeout' && s.endsAt && s.endsAt > now)
      .sort((a, b) => (b.endsAt?.getTime() ?? 0) - (a.endsAt?.getTime() ?? 0))[0]
  );
}

/** Seconds a viewer must still wait under slow mode (0: may post now). */
export function slowModeWait(slowModeSeconds: number | null, lastPostAt: Date | null, now: Date): number {
  if (!slowModeSeconds || !lastPostAt) return 0;
  const waitMs = lastPostAt.getTime() + slowModeSeconds * 1000 - now.getTime();
  return waitMs > 0 ? Math.ceil(waitMs / 1000) : 0;
}

/** The name shown beside a viewer's messages: first name and initial, not the full name from the tenant's records. */
export function chatDisplayName(name: string, customerId: number): string {
  const parts = name.trim().split(/\s+/).filter(Boolean);
  if (!parts.length) return `Viewer ${customerId}`;
  return parts.length > 1 ? `${parts[0]} ${parts[parts.length - 1][0]}.` : parts[0];
}
