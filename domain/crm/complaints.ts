import { simpleParser, type Attachment } from 'mailparser';

export type ComplaintSource =
  | { ok: true; messageId: string; feedbackType: string }
  | { ok: false; code: 'arf_unreadable' | 'arf_without_message_id'; detail: string };

/** The original message's part of a feedback report: the whole message or only its headers. */
const ORIGINAL_PARTS = new Set(['message/rfc822', 'text/rfc822-headers']);

const feedbackTypeOf = (report: Attachment | undefined): string =>
  /^Feedback-Type:\s*([\w-]+)/im.exec(report?.content.toString('utf8') ?? '')?.[1]?.toLowerCase() ?? 'abuse';

/**
 * Reads a mailbox provider's spam complaint in the Abuse Reporting Format (RFC 5965: a
 * multipart/report with a machine-readable feedback report and the original message or its headers)
 * and returns the complained-of message's Message-ID, by which Usher finds what it sent.
 */
export async function parseFeedbackReport(arf: string): Promise<ComplaintSource> {
  let parsed;
  try {
    parsed = await simpleParser(arf, { skipHtmlToText: true, skipTextToHtml: true, skipTextLinks: true });
  } catch (err) {
    return { ok: false, code: 'arf_unreadable', detail: `The report is not a MIME message: ${String(err)}` };
  }
  const parts = parsed.attachments;
  const original = parts.find((p) => ORIGINAL_PARTS.has(p.contentType.toLowerCase()));
  const feedbackType = feedbackTypeOf(parts.find((p) => p.contentType.toLowerCase() === 'message/feedback-report'));
  if (!original) {
    return {
      ok: false,
      code: 'arf_without_message_id',
      detail: 'The report carries neither the original message nor its headers (message/rfc822 or text/rfc822-headers)',
    };
  }
  const inner = await simpleParser(original.content, { skipHtmlToText: true, skipTextToHtml: true });
  if (!inner.messageId) {
    return { ok: false, code: 'arf_without_message_id', detail: "The original message's headers have no Message-ID" };
  }
  return { ok: true, messageId: inner.messageId, feedbackType };
}
