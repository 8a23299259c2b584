import { isPublicAddress } from '../../domain/webhooks/destinations';
import { DestinationRefused, resolveDestination } from '../../integrations/webhooks/destination';
import type { Config } from '../../lib/config';
import { AppError } from '../../lib/errors';

/** A lookup slower than this is treated like a name that does not resolve: the request is not held for it. */
const LOOKUP_WITHIN_MS = 3_000;

/**
 * Refuses (400 `webhook_url_not_public`) a URL whose host is a private, loopback or link-local
 * address, a localhost name, or a name resolving to any such address. A name that does not resolve
 * (yet) is accepted: each delivery resolves and checks again before it connects.
 */
export async function assertPublicWebhookUrl(
  url: string,
  config: Pick<Config, 'WEBHOOK_ALLOW_PRIVATE_URLS'>,
): Promise<void> {
  if (config.WEBHOOK_ALLOW_PRIVATE_URLS) return;
  let timer: NodeJS.Timeout | undefined;
  const gaveUp = new Promise<void>((done) => {
    timer = setTimeout(done, LOOKUP_WITHIN_MS);
  });
  try {
    await Promise.race([resolveDestination(new URL(url).hostname, isPublicAddress), gaveUp]);
  } catch (err) {
    // Anything else is the resolver's error (ENOTFOUND, EAI_AGAIN): the delivery-time check covers it.
    if (!(err instanceof DestinationRefused)) return;
    throw new AppError(400, 'webhook_url_not_public', err.message, {
      errors: [{ path: 'body.url', message: err.message, code: 'webhook_url_not_public' }],
    });
  } finally {
    clearTimeout(timer);
  }
}
