import { withTenant, type Db } from '../../../db/connection';
import {
  claimMessages,
  crmSettings,
  extendLease,
  failMessage,
  leasedElsewhere,
  markMessageSent,
  messagesQueued,
  requeueMessage,
  type CrmMessageRow,
} from '../../../db/crm/messages';
import { recipientData, templatesByIds, tenantName, type RecipientData } from '../../../db/crm/templates';
import { emitEmailSent, recordHardBounce } from '../../../db/crm/tracking';
import { emit } from '../../../db/platform/outbox';
import {
  compileTemplate,
  instrumentHtml,
  renderTemplate,
  customerVars,
  type CompiledTemplate,
} from '../../../domain/crm/templates';
import { trackingSigner } from '../../../domain/crm/tracking-tokens';
import { smtpFailure, type Mailer } from '../../../integrations/mail/mailer';
import type { Config } from '../../../lib/config';
import type { Logger } from '../../../lib/logger';
import { defineTrigger, type Trigger } from '../../platform/triggers';
import { crmMessageId } from '../../../domain/crm/message-ids';

/**
 * The marketing sender. `queueMessage` (and the campaign workflow's bulk snapshot) write
 * `crm_messages` rows and, in the same transaction, `email.marketing_queued` outbox events (due at the
 * messages' `send_after`); this trigger sends each event's messages. Driving it from the outbox means
 * it survives restarts with no process of its own: an event whose worker died is dispatched again.
 *
 * Exactly once: a batch is claimed in one short transaction (`for update skip locked`, status
 * `sending` with a lease), then each message is handed to SMTP (five lanes, one per pooled
 * connection) and marked `sent` in its own transaction right after its own 250 answer. A message
 * stuck in `sending` after its lease (its sender died) is claimed again and re-sent with the same
 * Message-ID only because it was not marked sent. The one window left is between the SMTP server's
 * 250 and that commit (about a millisecond): a SIGKILL exactly there sends those in flight twice,
 * with the same Message-ID (receivers that de-duplicate by Message-ID drop them). Nothing short of a
 * two-phase commit with the SMTP server closes it.
 */

/** Sends per second per tenant in this process, spaced evenly (no burst above the setting). */
export class SendRateLimiter {
  private readonly next = new Map<string, number>();

  async take(tenantId: string, perSecond: number): Promise<void> {
    const now = Date.now();
    const slot = Math.max(now, this.next.get(tenantId) ?? now);
    this.next.set(tenantId, slot + 1000 / perSecond);
    // Timers are only good to a millisecond or two: fast rates wait in batches.
    if (slot - now >= 2) await new Promise((resolve) => setTimeout(resolve, slot - now));
  }
}

/** Messages of one batch in flight at once: as many as the mailer's pooled SMTP connections (5). */
const SEND_LANES = 5;

/** The first retry after a temporary refusal waits this long, doubling up to an hour. */
const RETRY_BASE_MS = 5_000;
const RETRY_MAX_MS = 3_600_000;
export const retryDelayMs = (attempts: number): number =>
  Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** Math.max(0, attempts - 1));

/** Compiled templates by id and version: compiling MJML per recipient would cost milliseconds each. */
export class TemplateCache {
  private readonly compiled = new Map<string, Promise<CompiledTemplate>>();

  get(t: {
    id: number;
    subject: string;
    mjml: string;
    text: string | null;
    updated_at: Date;
  }): Promise<CompiledTemplate> {
    const key = `${t.id}:${new Date(t.updated_at).getTime()}`;
    let hit = this.compiled.get(key);
    if (!hit) {
      hit = compileTemplate(t);
      hit.catch(() => this.compiled.delete(key));
      if (this.compiled.size > 500) this.compiled.clear();
      this.compiled.set(key, hit);
    }
    return hit;
  }
}

export interface SenderDeps {
  db: Db;
  mailer: Mailer;
  config: Config;
  logger: Logger;
}

/** Builds the outgoing e-mails of claimed messages (rendered, tracked, with List-Unsubscribe). */
export function createComposer(deps: Pick<SenderDeps, 'config'>, templates = new TemplateCache()) {
  const signer = trackingSigner(deps.config.TOKEN_SECRET, deps.config.publicApiUrl);
  return async function compose(
    tenant: { id: string; name: string; from: string },
    messages: CrmMessageRow[],
    data: Map<number, RecipientData>,
    templateRows: Awaited<ReturnType<typeof templatesByIds>>,
  ) {
    const byId = new Map(templateRows.map((t) => [t.id, t]));
    const mailto = /<([^>]+)>/.exec(tenant.from)?.[1] ?? tenant.from;
    return Promise.all(
      messages.map(async (m) => {
        try {
          const row = byId.get(m.template_id);
          const recipient = data.get(m.customer_id);
          if (!row || !recipient) throw new Error('template or customer gone');
          const compiled = await templates.get(row);
          const unsubscribeUrl = signer.unsubscribeUrl(tenant.id, m.id);
          const rendered = renderTemplate(compiled, {
            customer: customerVars(recipient),
            tenant: { id: tenant.id, name: tenant.name },
            event: null,
            campaign: m.campaign_id ? { id: m.campaign_id, name: '' } : null,
            unsubscribe_url: unsubscribeUrl,
          });
          const html = instrumentHtml(rendered.html, {
            track: (url) => signer.clickUrl(tenant.id, m.id, url),
            pixelUrl: signer.openUrl(tenant.id, m.id),
            unsubscribeUrl,
          });
          return {
            message: m,
            mail: {
              to: m.to_address,
              from: tenant.from,
              subject: m.subject ?? rendered.subject,
              html,
              text: `${rendered.text}\n\nUnsubscribe: ${unsubscribeUrl}\n`,
              messageId: crmMessageId(tenant.id, m.id),
              headers: {
                'List-Unsubscribe': `<${unsubscribeUrl}>, <mailto:${mailto}?subject=unsubscribe>`,
                'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
              },
            },
          };
        } catch (err) {
          return { message: m, error: (err as Error).message };
        }
      }),
    );
  };
}

/** Sends the claimed messages of one tenant; returns how many SMTP accepted. */
export async function sendClaimed(
  deps: SenderDeps,
  tenantId: string,
  claimed: CrmMessageRow[],
  opts: {
    rate: number;
    from: string;
    limiter: SendRateLimiter;
    compose: ReturnType<typeof createComposer>;
    leaseMs: number;
  },
): Promise<number> {
  const { db, mailer, logger } = deps;
  const [data, templateRows, name] = await withTenant(
    db,
    tenantId,
    async (tx) =>
      [
        await recipientData(
          tx,
          claimed.map((m) => m.customer_id),
        ),
        await templatesByIds(tx, [...new Set(claimed.map((m) => m.template_id))]),
        await tenantName(tx, tenantId),
      ] as const,
  );
  const composed = await opts.compose({ id: tenantId, name, from: opts.from }, claimed, data, templateRows);
  let sent = 0;
  let leaseRenewedAt = Date.now();
  let next = 0;
  const sendOne = async (item: (typeof composed)[number]): Promise<void> => {
    const m = item.message;
    if (!('mail' in item) || !item.mail) {
      await withTenant(db, tenantId, (tx) => failMessage(tx, m.id, `render: ${item.error ?? 'failed'}`));
      return;
    }
    await opts.limiter.take(tenantId, opts.rate);
    try {
      await mailer.send(item.mail);
    } catch (err) {
      const failure = smtpFailure(err);
      if (failure.kind === 'temporary') {
        const later = new Date(Date.now() + retryDelayMs(m.attempts));
        await withTenant(db, tenantId, async (tx) => {
          await requeueMessage(tx, m.id, later, failure.message);
          await emit(tx, tenantId, messagesQueued([m.id], later));
        });
      } else {
        await withTenant(db, tenantId, async (tx) => {
          await failMessage(tx, m.id, failure.message);
          await recordHardBounce(tx, m);
        });
      }
      logger.warn({ messageId: m.id, code: failure.code, kind: failure.kind }, 'marketing e-mail not accepted');
      return;
    }
    // Marked in its own transaction the moment SMTP accepted it, whatever the other lanes do.
    await withTenant(db, tenantId, async (tx) => {
      if (await markMessageSent(tx, m.id, item.mail.messageId)) await emitEmailSent(tx, m);
    });
    sent++;
  };
  // One lane per pooled SMTP connection: each message still waits for its own 250 and its own mark.
  const lane = async (): Promise<void> => {
    for (let i = next++; i < composed.length; i = next++) {
      // The rest of the batch stays ours while a slow SMTP server holds us up.
      if (Date.now() - leaseRenewedAt > opts.leaseMs / 3) {
        leaseRenewedAt = Date.now();
        const rest = composed.slice(i).map((c) => c.message.id);
        await withTenant(db, tenantId, (tx) => extendLease(tx, rest, new Date(Date.now() + opts.leaseMs)));
      }
      await sendOne(composed[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(SEND_LANES, composed.length) }, lane));
  return sent;
}

/** The outbox trigger that drives the sender. */
export function crmSenderTrigger(deps: SenderDeps, limiter = new SendRateLimiter()): Trigger {
  const compose = createComposer(deps);
  return defineTrigger({
    name: 'crm.send',
    on: ['email.marketing_queued'],
    async run(event, { tx }) {
      const ids = event.payload.message_ids;
      const settings = await crmSettings(tx);
      const rate = settings.send_rate_per_s;
      const leaseMs = 15_000 + Math.ceil((ids.length * 1000) / rate);
      const claimed = await withTenant(deps.db, event.tenantId, (t) =>
        claimMessages(t, ids, new Date(Date.now() + leaseMs)),
      );
      if (claimed.length)
        await sendClaimed(deps, event.tenantId, claimed, {
          rate,
          from: settings.from_address ?? deps.config.MAIL_FROM,
          limiter,
          compose,
          leaseMs,
        });
      // Messages another sender holds (perhaps one that died): looked at again when its lease ends.
      const mine = claimed.map((m) => m.id);
      const busyUntil = await leasedElsewhere(tx, ids, mine);
      if (busyUntil) {
        const rest = ids.filter((id) => !mine.includes(id));
        await emit(tx, event.tenantId, messagesQueued(rest, new Date(busyUntil.getTime() + 1000)));
      }
    },
  });
}
