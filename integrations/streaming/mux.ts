import Mux from '@mux/mux-node';
import type { Config } from '../../lib/config';
import { AppError, unprocessable } from '../../lib/errors';

export type MuxConfig = Pick<
  Config,
  'MUX_TOKEN_ID' | 'MUX_TOKEN_SECRET' | 'MUX_API_URL' | 'MUX_SIGNING_KEY_ID' | 'MUX_SIGNING_KEY' | 'MUX_WEBHOOK_SECRET'
>;

/** What a Mux live stream carries back in webhooks: `<tenant>:<stream id>`. */
export const muxPassthrough = (tenantId: string, streamId: number): string => `${tenantId}:${streamId}`;

export function parseMuxPassthrough(p: unknown): { tenantId: string; streamId: number } | undefined {
  const m = typeof p === 'string' ? /^(.+):(\d{1,15})$/.exec(p) : null;
  return m ? { tenantId: m[1], streamId: Number(m[2]) } : undefined;
}

/** Where an organiser's encoder publishes a Mux live stream. */
export const MUX_RTMP_URL = 'rtmps://global-live.mux.com:443/app';

/** The official SDK on the deployment's Mux account, or 422 `provider_not_configured`. */
export function muxClient(c: MuxConfig): Mux {
  if (!c.MUX_TOKEN_ID || !c.MUX_TOKEN_SECRET)
    throw unprocessable('provider_not_configured', 'This deployment has no Mux credentials: use native or embed');
  const key = c.MUX_SIGNING_KEY;
  return new Mux({
    tokenId: c.MUX_TOKEN_ID,
    tokenSecret: c.MUX_TOKEN_SECRET,
    baseURL: c.MUX_API_URL,
    webhookSecret: c.MUX_WEBHOOK_SECRET ?? null,
    jwtSigningKey: c.MUX_SIGNING_KEY_ID ?? null,
    // The SDK takes the PEM or its base64.
    jwtPrivateKey: key ?? null,
    maxRetries: 1,
  });
}

/** A Mux failure answers 502 with a stable code; the transaction (and the new stream) rolls back. */
async function calling<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw new AppError(502, 'streaming_provider_error', `Mux refused to ${what}: ${(err as Error).message}`);
  }
}

/**
 * A live stream whose playback (live and its recording) needs a signed token; `passthrough` names the tenant and
 * stream, so webhooks find them.
 */
export async function createMuxLiveStream(
  mux: Mux,
  passthrough: string,
): Promise<{ liveStreamId: string; streamKey: string; playbackId: string }> {
  const live = await calling('create a live stream', () =>
    mux.video.liveStreams.create({
      playback_policies: ['signed'],
      new_asset_settings: { playback_policies: ['signed'] },
      passthrough,
    }),
  );
  const playbackId = live.playback_ids?.find((p) => p.policy === 'signed')?.id;
  if (!playbackId)
    throw new AppError(502, 'streaming_provider_error', 'Mux gave the live stream no signed playback id');
  return { liveStreamId: live.id, streamKey: live.stream_key, playbackId };
}

/** An RS256 playback JWT (kid = the signing key, sub = the playback id, aud `v`, exp in `ttlS`). */
export function signMuxPlayback(mux: Mux, playbackId: string, ttlS: number): Promise<string> {
  return calling('sign playback', () => mux.jwt.signPlaybackId(playbackId, { type: 'video', expiration: `${ttlS}s` }));
}

export const muxPlaybackUrl = (playbackId: string, token: string): string =>
  `https://stream.mux.com/${playbackId}.m3u8?token=${encodeURIComponent(token)}`;
