import { z } from 'zod';

/**
 * Question and option ids: short slugs, stable across versions so answers and analytics line up. They
 * start with a letter so a condition's answers (`[9, 10]` or `['yes']`) never mistake an id for a score.
 */
const Slug = z
  .string()
  .regex(/^[a-z][a-z0-9_-]{0,39}$/, 'a lower-case letter, then letters, digits, _ or -, at most 40');
/** A locale such as `de` or `pt-BR`. */
const Locale = z.string().regex(/^[a-z]{2,3}(-[A-Z]{2})?$/, 'a locale such as de or pt-BR');
const Text = z.string().trim().min(1).max(500);
const Translations = z
  .record(Locale, Text)
  .refine((t) => Object.keys(t).length <= 30, 'at most 30 locales')
  .optional()
  .meta({ description: 'The text per locale; the default `text` is shown for any other locale' });

export const QUESTION_TYPES = ['nps', 'rating', 'single_choice', 'multiple_choice', 'text'] as const;
export type QuestionType = (typeof QUESTION_TYPES)[number];

const Option = z.strictObject({ id: Slug, text: Text, translations: Translations });

export const QuestionSchema = z
  .strictObject({
    id: Slug,
    type: z.enum(QUESTION_TYPES).meta({
      description: 'nps: 0–10; rating: 1–5; single_choice: one option id; multiple_choice: option ids; text: free text',
    }),
    text: Text,
    translations: Translations,
    required: z.boolean().default(false),
    options: z.array(Option).min(2).max(30).optional().meta({ description: 'The choices (choice questions only)' }),
    show_if: z
      .strictObject({
        question: Slug.meta({ description: 'An earlier question' }),
        answers: z
          .array(z.union([z.number().int(), Slug]))
          .min(1)
          .max(30)
          .meta({ description: "The earlier question's answers (scores or option ids) for which this one is shown" }),
      })
      .optional()
      .meta({ description: 'Show this question only for some answers of an earlier one' }),
  })
  .meta({ id: 'SurveyQuestion' });

export type Question = z.output<typeof QuestionSchema>;

export interface QuestionIssue {
  /** Where in the definition, e.g. `2.show_if.question`. */
  path: string;
  message: string;
}

const isChoice = (type: QuestionType): boolean => type === 'single_choice' || type === 'multiple_choice';

/** The answers a question can take, for checking `show_if` against it. */
function admits(q: Question, value: number | string): boolean {
  if (q.type === 'nps') return typeof value === 'number' && value >= 0 && value <= 10;
  if (q.type === 'rating') return typeof value === 'number' && value >= 1 && value <= 5;
  if (isChoice(q.type)) return typeof value === 'string' && (q.options ?? []).some((o) => o.id === value);
  return false;
}

/**
 * The rules a schema cannot say alone: unique ids, options on choice questions only, at most one NPS
 * question (a response's `nps_score` is its answer), and conditions on an earlier question's
 * possible answers (so display never depends on a later or free-text answer).
 */
export function checkQuestions(questions: Question[]): QuestionIssue[] {
  const issues: QuestionIssue[] = [];
  const seen = new Map<string, Question>();
  questions.forEach((q, i) => {
    if (seen.has(q.id)) issues.push({ path: `${i}.id`, message: `question id ${q.id} is used twice` });
    if (isChoice(q.type) && !q.options)
      issues.push({ path: `${i}.options`, message: 'a choice question needs options' });
    if (!isChoice(q.type) && q.options)
      issues.push({ path: `${i}.options`, message: 'only choice questions have options' });
    const optionIds = (q.options ?? []).map((o) => o.id);
    if (new Set(optionIds).size !== optionIds.length)
      issues.push({ path: `${i}.options`, message: 'option ids must be unique' });
    if (q.show_if) {
      const earlier = seen.get(q.show_if.question);
      if (!earlier) issues.push({ path: `${i}.show_if.question`, message: 'must name an earlier question' });
      else if (earlier.type === 'text')
        issues.push({ path: `${i}.show_if.question`, message: 'cannot depend on a free-text answer' });
      else
        q.show_if.answers.forEach((a, j) => {
          if (!admits(earlier, a))
            issues.push({ path: `${i}.show_if.answers.${j}`, message: `not a possible answer of ${earlier.id}` });
        });
    }
    seen.set(q.id, q);
  });
  if (questions.filter((q) => q.type === 'nps').length > 1)
    issues.push({ path: '', message: 'a survey has at most one nps question' });
  return issues;
}

export const QuestionsSchema = z
  .array(QuestionSchema)
  .min(1)
  .max(50)
  .superRefine((questions, ctx) => {
    for (const issue of checkQuestions(questions))
      ctx.addIssue({
        code: 'custom',
        message: issue.message,
        path: issue.path ? issue.path.split('.').map((p) => (/^\d+$/.test(p) ? Number(p) : p)) : [],
      });
  });

export type AnswerValue = number | string | string[];
export type Answers = Record<string, AnswerValue>;

/** Whether a question is shown, given the answers so far (its condition's question must be answered with one of the values). */
export function isShown(q: Question, answers: Answers): boolean {
  if (!q.show_if) return true;
  const given = answers[q.show_if.question];
  if (given === undefined) return false;
  const values = Array.isArray(given) ? given : [given];
  return values.some((v) => q.show_if?.answers.includes(v));
}

export interface AnswerIssue {
  question_id: string;
  message: string;
  code: 'unknown_question' | 'invalid_answer' | 'required';
}

export type AnswerCheck =
  { ok: true; answers: Answers; npsScore: number | null } | { ok: false; issues: AnswerIssue[] };

export const TEXT_ANSWER_MAX = 2000;

function checkValue(q: Question, value: unknown): { value: AnswerValue } | { message: string } {
  const options = new Set((q.options ?? []).map((o) => o.id));
  switch (q.type) {
    case 'nps':
    case 'rating': {
      const [min, max] = q.type === 'nps' ? [0, 10] : [1, 5];
      return Number.isInteger(value) && (value as number) >= min && (value as number) <= max
        ? { value: value as number }
        : { message: `an integer from ${min} to ${max}` };
    }
    case 'single_choice':
      return typeof value === 'string' && options.has(value) ? { value } : { message: 'one of the option ids' };
    case 'multiple_choice': {
      const ok =
        Array.isArray(value) &&
        value.every((v) => typeof v === 'string' && options.has(v)) &&
        new Set(value).size === value.length;
      return ok ? { value: value as string[] } : { message: 'a list of distinct option ids' };
    }
    case 'text': {
      if (typeof value !== 'string') return { message: 'a string' };
      const trimmed = value.trim();
      return trimmed.length <= TEXT_ANSWER_MAX
        ? { value: trimmed }
        : { message: `at most ${TEXT_ANSWER_MAX} characters` };
    }
  }
}

const isEmpty = (v: AnswerValue | undefined): boolean =>
  v === undefined || v === '' || (Array.isArray(v) && v.length === 0);

/**
 * Checks a response against the version it answers. Answers to questions their condition hides are
 * dropped (the respondent changed an earlier answer); `partial` skips the required check (the one-click
 * score saves the score before the rest is filled in). Returns the kept answers and the NPS score.
 */
export function checkAnswers(questions: Question[], raw: Record<string, unknown>, partial = false): AnswerCheck {
  const issues: AnswerIssue[] = [];
  const known = new Set(questions.map((q) => q.id));
  for (const id of Object.keys(raw))
    if (!known.has(id)) issues.push({ question_id: id, message: 'no such question', code: 'unknown_question' });
  const answers: Answers = {};
  for (const q of questions) {
    if (!isShown(q, answers)) continue;
    const given = raw[q.id];
    if (given === undefined || given === null) {
      if (q.required && !partial)
        issues.push({ question_id: q.id, message: 'an answer is required', code: 'required' });
      continue;
    }
    const checked = checkValue(q, given);
    if ('message' in checked) {
      issues.push({ question_id: q.id, message: checked.message, code: 'invalid_answer' });
      continue;
    }
    if (isEmpty(checked.value)) {
      if (q.required && !partial)
        issues.push({ question_id: q.id, message: 'an answer is required', code: 'required' });
      continue;
    }
    answers[q.id] = checked.value;
  }
  if (issues.length) return { ok: false, issues };
  const nps = questions.find((q) => q.type === 'nps');
  const score = nps ? answers[nps.id] : undefined;
  return { ok: true, answers, npsScore: typeof score === 'number' ? score : null };
}

/** A question's text in a locale (then its language alone, e.g. `de` for `de-AT`), else the default text. */
export function localised(item: { text: string; translations?: Record<string, string> }, locale?: string): string {
  if (!locale || !item.translations) return item.text;
  return item.translations[locale] ?? item.translations[locale.split('-')[0]] ?? item.text;
}

/** The survey's NPS question, if any: the one-click links in the e-mail answer it. */
export const npsQuestion = (questions: Question[]): Question | undefined => questions.find((q) => q.type === 'nps');

/** Whether two definitions differ (editing them publishes a new version). */
export const sameQuestions = (a: Question[], b: Question[]): boolean => JSON.stringify(a) === JSON.stringify(b);
