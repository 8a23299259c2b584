import type { Mailer } from '../../integrations/mail/mailer';
import type { Trigger } from './triggers';

/** Sends queued e-mails; the row is marked sent in the same transaction that records the trigger. */
export function mailTrigger(mailer: Mailer): Trigger {
  return {
    name: 'mail.send',
    on: ['email.queued'],
    async run(event, { tx }) {
      const email = await tx('email_outbox').where({ id: event.payload.email_id }).forUpdate().first();
      if (!email || email.status === 'sent') return;
      await mailer.send({
        to: email.to_address, subject: email.subject, text: email.text_body, html: email.html_body ?? undefined,
        // A stable Message-ID lets receivers drop the duplicate if a crash makes us send twice.
        messageId: `<email-${event.tenantId}-${email.id}@usher>`,
      });
      await tx('email_outbox').where({ id: email.id }).update({ status: 'sent', sent_at: tx.fn.now(), attempts: email.attempts + 1, transport: mailer.transport });
    },
  };
}
