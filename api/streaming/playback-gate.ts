import { withTenant, type Db } from '../../db/connection';
import { viewerSessionOpen } from '../../db/streaming/viewer-sessions';
import { parseIngestKey, relaySignature, sameString, verifyPlaybackToken } from '../../domain/streaming/playback-token';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface SessionState {
  open: boolean;
  checkedAt: number;
}

export interface PlaybackGateOptions {
  /** How long a session's state is trusted before Postgres is asked again: the most a revocation waits. */
  revocationTtlMs: number;
  /** Sessions remembered; beyond it the oldest are forgotten (and asked about again). */
  maxSessions: number;
}

const DEFAULTS: PlaybackGateOptions = { revocationTtlMs: 5_000, maxSessions: 100_000 };

/**
 * Decides the native media server's read callbacks. The playback token's HMAC, expiry and stream are checked in memory;
 * whether its session was ended (taken over, access lost) or its ticket stopped being valid (refund, exchange) comes
 * from a small per-session cache refreshed from Postgres at most every `revocationTtlMs`, so a check costs no database
 * round trip unless its session's state is older than that, and concurrent checks of one session share one query.
 */
export class PlaybackGate {
  private readonly sessions = new Map<string, SessionState>();
  private readonly asking = new Map<string, Promise<boolean>>();
  private readonly opts: PlaybackGateOptions;

  constructor(
    private readonly db: Db,
    private readonly secret: string,
    opts: Partial<PlaybackGateOptions> = {},
  ) {
    this.opts = { ...DEFAULTS, ...opts };
  }

  /** Whether the media server may let this session read the stream named `key` (an ingest key). */
  mayRead(key: string, query: Record<string, unknown>, now = Date.now()): boolean | Promise<boolean> {
    if (typeof query.relay === 'string') return sameString(query.relay, relaySignature(this.secret, key));
    if (typeof query.token !== 'string') return false;
    const check = verifyPlaybackToken(this.secret, query.token, Math.floor(now / 1000));
    if (!check.ok) return false;
    const named = parseIngestKey(key);
    const { tenantId, streamId, sessionId } = check.claims;
    if (!named || named.tenantId !== tenantId || named.streamId !== streamId || !UUID.test(sessionId)) return false;
    const known = this.sessions.get(sessionId);
    if (known && now - known.checkedAt < this.opts.revocationTtlMs) return known.open;
    return this.ask(tenantId, sessionId, now);
  }

  private ask(tenantId: string, sessionId: string, now: number): Promise<boolean> {
    const pending = this.asking.get(sessionId);
    if (pending) return pending;
    const asked = withTenant(this.db, tenantId, (tx) => viewerSessionOpen(tx, sessionId))
      .then((open) => {
        this.remember(sessionId, { open, checkedAt: now });
        return open;
      })
      .finally(() => this.asking.delete(sessionId));
    this.asking.set(sessionId, asked);
    return asked;
  }

  private remember(sessionId: string, state: SessionState): void {
    this.sessions.delete(sessionId);
    if (this.sessions.size >= this.opts.maxSessions) {
      const oldest = this.sessions.keys().next();
      if (!oldest.done) this.sessions.delete(oldest.value);
    }
    this.sessions.set(sessionId, state);
  }
}
