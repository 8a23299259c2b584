import nodemailer from 'nodemailer';
import MailComposer from 'nodemailer/lib/mail-composer';
import type { Logger } from '../../lib/logger';

export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  html?: string;
  messageId: string;
  /** Extra headers, e.g. `List-Unsubscribe` and `List-Unsubscribe-Post` on marketing mail. */
  headers?: Record<string, string>;
  /** Overrides the platform sender (a tenant's own marketing sender). */
  from?: string;
}

/**
 * How a failed send should be treated: SMTP 4xx (throttling, greylisting, mailbox busy) and
 * connection trouble are `temporary` (try again later); 5xx is `permanent` (a bounce).
 */
export function smtpFailure(err: unknown): { kind: 'temporary' | 'permanent'; code?: number; message: string } {
  const code = (err as { responseCode?: unknown }).responseCode;
  const message = (err as Error)?.message ?? String(err);
  if (typeof code === 'number' && code >= 500 && code < 600) return { kind: 'permanent', code, message };
  return { kind: 'temporary', ...(typeof code === 'number' ? { code } : {}), message };
}

export interface Mailer {
  /** 'smtp' when it went to a server, 'log' when no server is configured (local runs). */
  readonly transport: 'smtp' | 'log';
  send(mail: OutgoingMail): Promise<void>;
  /** Closes pooled connections; the worker calls it on shutdown. */
  close(): void;
}

export function createMailer(opts: {
  smtpUrl?: string;
  from: string;
  logger: Logger;
  maxConnections?: number;
}): Mailer {
  if (!opts.smtpUrl) {
    return {
      transport: 'log',
      async send(mail) {
        opts.logger.info({ to: mail.to, subject: mail.subject }, 'e-mail (no SMTP_URL configured: logged, not sent)');
      },
      close() {},
    };
  }
  // Pooled: a new SMTP connection per message costs ~100 ms, which a burst of 1,000 waitlist offers cannot afford.
  // One connection per concurrent sender, so the dispatcher's parallel rows do not queue for one.
  const transporter = nodemailer.createTransport({
    url: opts.smtpUrl,
    pool: true,
    maxConnections: opts.maxConnections ?? 5,
    // A server that answers 421 (throttling) closes the connection; the pool would silently resend in
    // memory. Callers retry durably instead (the outbox, the marketing sender), so the answer surfaces.
    maxRequeues: 0,
  });
  return {
    transport: 'smtp',
    async send(mail) {
      // Composed in memory and handed over whole: streamed to the connection, a message goes out in
      // hundreds of small socket writes, which is most of what a 20,000-recipient survey send costs.
      const message = new MailComposer({
        from: mail.from ?? opts.from,
        to: mail.to,
        subject: mail.subject,
        text: mail.text,
        html: mail.html,
        messageId: mail.messageId,
        ...(mail.headers ? { headers: mail.headers } : {}),
      }).compile();
      await transporter.sendMail({ envelope: message.getEnvelope(), raw: await message.build() });
    },
    close() {
      transporter.close();
    },
  };
}
