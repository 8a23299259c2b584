import nodemailer from 'nodemailer';
import type { Logger } from '../../lib/logger';

export interface OutgoingMail { to: string; subject: string; text: string; html?: string; messageId: string }

export interface Mailer {
  /** 'smtp' when it went to a server, 'log' when no server is configured (local runs). */
  readonly transport: 'smtp' | 'log';
  send(mail: OutgoingMail): Promise<void>;
}

export function createMailer(opts: { smtpUrl?: string; from: string; logger: Logger }): Mailer {
  if (!opts.smtpUrl) {
    return {
      transport: 'log',
      async send(mail) {
        opts.logger.info({ to: mail.to, subject: mail.subject }, 'e-mail (no SMTP_URL configured: logged, not sent)');
      },
    };
  }
  const transporter = nodemailer.createTransport(opts.smtpUrl);
  return {
    transport: 'smtp',
    async send(mail) {
      await transporter.sendMail({ from: opts.from, to: mail.to, subject: mail.subject, text: mail.text, html: mail.html, messageId: mail.messageId });
    },
  };
}
