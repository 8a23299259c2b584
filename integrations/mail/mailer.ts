import nodemailer from 'nodemailer';
import type { Logger } from '../../lib/logger';

export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  html?: string;
  messageId: string;
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
  });
  return {
    transport: 'smtp',
    async send(mail) {
      await transporter.sendMail({
        from: opts.from,
        to: mail.to,
        subject: mail.subject,
        text: mail.text,
        html: mail.html,
        messageId: mail.messageId,
      });
    },
    close() {
      transporter.close();
    },
  };
}
