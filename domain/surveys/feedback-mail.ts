import { npsCategory } from './nps';
import type { Answers, Question } from './questions';

export interface AlertContext {
  ruleName: string;
  surveyName: string;
  eventName: string | null;
  score: number;
  customer: { name: string; email: string } | null;
  questions: readonly Question[];
  answers: Answers;
}

const answerText = (q: Question, value: Answers[string]): string => {
  const label = (id: string): string => q.options?.find((o) => o.id === id)?.text ?? id;
  if (Array.isArray(value)) return value.map(label).join(', ');
  return typeof value === 'string' && q.options ? label(value) : String(value);
};

/** The organiser's alert: the score, who gave it and every answer, so they can follow up from the e-mail. */
export function alertMail(c: AlertContext): { subject: string; text: string } {
  const category = npsCategory(c.score);
  const lines = [
    `A response to "${c.surveyName}"${c.eventName ? ` (${c.eventName})` : ''} matched your rule "${c.ruleName}".`,
    '',
    `Score: ${c.score} (${category})`,
    `Customer: ${c.customer ? `${c.customer.name} <${c.customer.email}>` : 'anonymous'}`,
    '',
    ...c.questions
      .filter((q) => c.answers[q.id] !== undefined)
      .map((q) => `${q.text}\n  ${answerText(q, c.answers[q.id])}`),
  ];
  return { subject: `Survey alert: ${category} score ${c.score} (${c.surveyName})`, text: lines.join('\n') };
}

/** Asks a happy attendee to review the event on the tenant's site. */
export function reviewRequestMail(c: { customerName: string; eventName: string; link: string }): {
  subject: string;
  text: string;
} {
  return {
    subject: `Would you review ${c.eventName}?`,
    text: [
      `Hi ${c.customerName},`,
      '',
      `Thank you for your feedback on ${c.eventName}. Would you share it as a review for other visitors?`,
      '',
      c.link,
    ].join('\n'),
  };
}
