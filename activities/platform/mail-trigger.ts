import { countFailedEmails, emailsQueued, lockUnsentEmails, markEmailsSent } from '../../db/platform/mail';
import { emit } from '../../db/platform/outbox';
import type { Mailer } from '../../integrations/mail/mailer';
import { inBatches } from '../../lib/batches';
import { defineTrigger, type Trigger } from './triggers';

/** How long e-mails that failed next to sent ones wait before they are tried again. */
const RESEND_AFTER_MS = 5_000;

// --- concurrent sends per event (surveys) ---
/**
 * E-mails of one event handed to the mailer at once: its pooled connections stay busy even when a
 * bulk send is few events of many e-mails (a survey to 20,000 people), instead of one SMTP answer at a time.
 */
const SENDS_AT_ONCE = 8;
// --- end concurrent sends per event (surveys) ---

/**
 * Sends an event's queued e-mails; each is marked sent in the transaction that records the trigger.
 * When some fail, those sent stay sent and only the failed are queued again, so none goes out
 * twice and one bad address does not hold up the others. When all fail, the event is retried.
 */
export function mailTrigger(mailer: Mailer): Trigger {
  return defineTrigger({
    name: 'mail.send',
    on: ['email.queued'],
    async run(event, { tx }) {
      const emails = await lockUnsentEmails(tx, event.payload.email_ids);
      if (!emails.length) return;
      const sent: number[] = [];
      const failed: number[] = [];
      let firstError: unknown;
      await inBatches(emails, SENDS_AT_ONCE, async (email) => {
        try {
          await mailer.send({
            to: email.to_address,
            subject: email.subject,
            text: email.text_body,
            html: email.html_body ?? undefined,
            // A stable Message-ID lets receivers drop the duplicate if a crash makes us send twice.
            messageId: `<email-${event.tenantId}-${email.id}@usher>`,
          });
          sent.push(email.id);
        } catch (err) {
          failed.push(email.id);
          firstError ??= err;
        }
      });
      if (failed.length && !sent.length) throw firstError;
      await markEmailsSent(tx, sent, mailer.transport);
      if (!failed.length) return;
      await countFailedEmails(tx, failed);
      await emit(tx, event.tenantId, emailsQueued(failed, new Date(Date.now() + RESEND_AFTER_MS)));
    },
  });
}
