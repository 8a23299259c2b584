import Sentiment from 'sentiment';
import { eng, removeStopwords } from 'stopword';

export interface Theme {
  word: string;
  /** How many answers mention it (an answer repeating a word counts once). */
  answers: number;
}

export interface SentimentSummary {
  answers: number;
  /** Mean AFINN score per word (`comparative`), about -5..5; null without answers. */
  mean: number | null;
  positive: number;
  neutral: number;
  negative: number;
}

export interface ThemesReport {
  themes: Theme[];
  sentiment: SentimentSummary;
}

const analyzer = new Sentiment();
// Words that say nothing about an event in feedback, beyond the library's English stop words.
const FEEDBACK_STOP_WORDS = ['event', 'really', 'just', 'also', 'get', 'got', 'would', 'could', 'much', 'lot'];
const STOP_WORDS = [...eng, ...FEEDBACK_STOP_WORDS];

/** Lower-case words of letters (any script), digits and inner apostrophes or hyphens. */
const words = (text: string): string[] =>
  (text.toLowerCase().match(/[\p{L}\p{N}]+(?:['’-][\p{L}\p{N}]+)*/gu) ?? []).filter((w) => w.length > 2);

/**
 * Free-text themes by word frequency, stop words removed, and a sentiment score per answer (the
 * `sentiment` package's AFINN-165 lexicon, English): positive above 0, negative below.
 */
export function themesOf(texts: readonly string[], limit = 20): ThemesReport {
  const counts = new Map<string, number>();
  let positive = 0;
  let negative = 0;
  let sum = 0;
  for (const text of texts) {
    for (const word of new Set(removeStopwords(words(text), STOP_WORDS))) counts.set(word, (counts.get(word) ?? 0) + 1);
    const { comparative } = analyzer.analyze(text);
    sum += comparative;
    if (comparative > 0) positive += 1;
    else if (comparative < 0) negative += 1;
  }
  const themes = [...counts]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, limit)
    .map(([word, answers]) => ({ word, answers }));
  const n = texts.length;
  return {
    themes,
    sentiment: {
      answers: n,
      mean: n ? Math.round((sum / n) * 1000) / 1000 : null,
      positive,
      neutral: n - positive - negative,
      negative,
    },
  };
}
