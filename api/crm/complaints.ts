import { z } from 'zod';
import { refreshMemberships } from '../../db/crm/memberships';
import { getMessage } from '../../db/crm/messages';
import { recordComplaint } from '../../db/crm/tracking';
import { parseFeedbackReport } from '../../domain/crm/complaints';
import { crmMessageId, parseCrmMessageId } from '../../domain/crm/message-ids';
import { AppError, notFound, unprocessable } from '../../lib/errors';
import type { RouterDeps } from '../deps';
import { defineRoute } from '../route';

const ComplaintInput = z
  .strictObject({
    message_id: z
      .string()
      .min(1)
      .max(998)
      .optional()
      .meta({
        description: 'The Message-ID of the complained-of e-mail, as an e-mail service reports it',
        examples: ['<crm-acme-42@usher>'],
      }),
    arf: z.string().min(1).max(1_000_000).optional().meta({
      description:
        'A feedback-loop report as received (RFC 5965 Abuse Reporting Format: multipart/report with the original message or its headers)',
    }),
  })
  .refine((b) => (b.message_id === undefined) !== (b.arf === undefined), {
    message: 'Give exactly one of message_id and arf',
  })
  .meta({ id: 'CrmComplaintInput' });

const ComplaintResult = z
  .object({
    message_id: z.number().int().describe("Usher's id of the marketing message"),
    customer_id: z.number().int(),
    recorded: z.boolean().describe('false when this message was already reported'),
    feedback_type: z.string().describe('The report\'s Feedback-Type ("abuse" when given a bare Message-ID)'),
  })
  .meta({ id: 'CrmComplaintResult' });

/** Spam complaints from mailbox providers' feedback loops or an e-mail service's webhook. */
export function complaintRoutes(deps: RouterDeps): void {
  defineRoute(deps, {
    method: 'post',
    path: '/api/crm/complaints',
    summary:
      'Report a spam complaint about a marketing e-mail (an ARF feedback report, or its Message-ID): the address is suppressed and marketing consent withdrawn',
    tags: ['crm'],
    access: { scope: 'write', module: 'crm' },
    body: ComplaintInput,
    idempotent: true,
    responses: { 200: { description: 'The complaint, recorded once', schema: ComplaintResult } },
    handler: async ({ tx, auth, body }) => {
      let messageId = body.message_id ?? '';
      let feedbackType = 'abuse';
      if (body.arf !== undefined) {
        const report = await parseFeedbackReport(body.arf);
        if (!report.ok) throw unprocessable(report.code, report.detail);
        ({ messageId, feedbackType } = report);
      }
      if (feedbackType === 'not-spam')
        throw new AppError(422, 'not_a_complaint', 'The report says the message is not spam (Feedback-Type: not-spam)');
      const ref = parseCrmMessageId(messageId);
      const message = ref && ref.tenantId === auth.tenantId ? await getMessage(tx, ref.id) : undefined;
      if (!message || message.smtp_message_id !== crmMessageId(auth.tenantId, ref?.id ?? 0))
        throw notFound('Marketing message');
      const recorded = await recordComplaint(tx, message);
      if (recorded) await refreshMemberships(tx, auth.tenantId, [message.customer_id]);
      return {
        body: { message_id: message.id, customer_id: message.customer_id, recorded, feedback_type: feedbackType },
      };
    },
  });
}
