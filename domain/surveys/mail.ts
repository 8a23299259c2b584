import type { MailKind } from './dispatch';

export interface SurveyMailInput {
  kind: MailKind;
  surveyName: string;
  eventName: string | null;
  /** The NPS question's text, when the survey has one: the e-mail then carries the 0–10 links. */
  npsText: string | null;
  pageUrl: string;
  scoreUrl(score: number): string;
}

const escapeHtml = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

const SCORES = Array.from({ length: 11 }, (_, i) => i);

/** The survey e-mail (or its reminder): the NPS scale as eleven links, each recording its score and opening the rest. */
export function surveyMail(input: SurveyMailInput): { subject: string; text: string; html: string } {
  const about = input.eventName ? ` about ${input.eventName}` : '';
  const subject =
    input.kind === 'invite'
      ? `${input.surveyName}: tell us${about}`
      : `Reminder: ${input.surveyName}, a minute${about}?`;
  const intro =
    input.kind === 'invite'
      ? `Thank you for coming! We would like to hear what you thought${about}.`
      : `A short reminder: we would still like to hear what you thought${about}.`;
  const scale = input.npsText
    ? `${input.npsText}\n${SCORES.map((s) => `${s}: ${input.scoreUrl(s)}`).join('\n')}\n\n`
    : '';
  const text = `${intro}\n\n${scale}The whole survey: ${input.pageUrl}\n`;
  const links = input.npsText
    ? `<p>${escapeHtml(input.npsText)}</p><p>` +
      SCORES.map(
        (s) =>
          `<a href="${escapeHtml(input.scoreUrl(s))}" style="display:inline-block;padding:6px 9px;margin:2px;border:1px solid #888;text-decoration:none">${s}</a>`,
      ).join('') +
      `</p>`
    : '';
  const html =
    `<!doctype html><html><body style="font-family:sans-serif"><p>${escapeHtml(intro)}</p>${links}` +
    `<p><a href="${escapeHtml(input.pageUrl)}">Open the survey</a></p></body></html>`;
  return { subject, text, html };
}

/**
 * The e-mail rendered once per survey send, with `slot` where each recipient's token goes: a recipient's
 * copy is then joins of the pre-split parts, not another render (20,000 per event). Tokens are
 * base64url and a dot, so they need no escaping in the text, the links or the HTML.
 */
export function personalised(
  mail: { subject: string; text: string; html: string },
  slot: string,
): (token: string) => { subject: string; text: string; html: string } {
  const text = mail.text.split(slot);
  const html = mail.html.split(slot);
  return (token) => ({ subject: mail.subject, text: text.join(token), html: html.join(token) });
}
