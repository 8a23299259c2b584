import { countScores, npsSummary, type NpsSummary } from './nps';
import type { Answers, Question, QuestionType } from './questions';

export interface QuestionDistribution {
  question_id: string;
  type: QuestionType;
  text: string;
  /** Responses that answered it. */
  answered: number;
  /** Answer value (score or option id) to how many chose it; free text has none. */
  counts: Record<string, number>;
  /** Mean of nps and rating answers. */
  mean: number | null;
  nps: NpsSummary | null;
}

const isScore = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/**
 * Answers per question: scores 0–10 (nps) and 1–5 (rating) with every value listed even when nobody
 * chose it, options by id, free text only counted (its words are themes). Question ids are stable
 * across versions, so responses to older versions count under the current questions.
 */
export function distributions(questions: readonly Question[], responses: readonly Answers[]): QuestionDistribution[] {
  return questions.map((q) => {
    const values = responses.map((a) => a[q.id]).filter((v) => v !== undefined && v !== '');
    const counts: Record<string, number> = {};
    const bump = (k: string | number): void => {
      counts[String(k)] = (counts[String(k)] ?? 0) + 1;
    };
    let mean: number | null = null;
    let nps: NpsSummary | null = null;
    if (q.type === 'nps' || q.type === 'rating') {
      const [lo, hi] = q.type === 'nps' ? [0, 10] : [1, 5];
      for (let s = lo; s <= hi; s++) counts[String(s)] = 0;
      const scores = values.filter(isScore);
      scores.forEach(bump);
      mean = scores.length ? Math.round((scores.reduce((a, b) => a + b, 0) / scores.length) * 100) / 100 : null;
      if (q.type === 'nps') nps = npsSummary(countScores(scores));
    } else if (q.type === 'single_choice' || q.type === 'multiple_choice') {
      for (const o of q.options ?? []) counts[o.id] = 0;
      for (const v of values) for (const id of Array.isArray(v) ? v : [v]) bump(id);
    }
    return { question_id: q.id, type: q.type, text: q.text, answered: values.length, counts, mean, nps };
  });
}

/** The free-text answers of a survey's text questions, for themes and sentiment. */
export function textAnswers(questions: readonly Question[], responses: readonly Answers[]): string[] {
  const ids = questions.filter((q) => q.type === 'text').map((q) => q.id);
  return responses.flatMap((a) =>
    ids.map((id) => a[id]).filter((v): v is string => typeof v === 'string' && v.trim() !== ''),
  );
}
