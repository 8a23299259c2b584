import { PAGE_MESSAGES, pageLanguage, surveyLocales } from '../../domain/surveys/page-messages';
import type { Question } from '../../domain/surveys/questions';

const questions = [
  { id: 'nps', type: 'nps', text: 'Recommend us?', required: true, translations: { de: 'Empfehlen?' } },
  {
    id: 'again',
    type: 'single_choice',
    text: 'Again?',
    required: false,
    options: [
      { id: 'yes', text: 'Yes', translations: { 'fr-CA': 'Oui' } },
      { id: 'no', text: 'No' },
    ],
  },
] as Question[];

it('offers the locales any question or option is translated to', () => {
  expect([...surveyLocales(questions)].sort()).toEqual(['de', 'fr-CA']);
});

it('speaks the requested language when the survey is translated to it, by base language too, else English', () => {
  const offered = surveyLocales(questions);
  expect(pageLanguage('de', offered)).toBe('de');
  expect(pageLanguage('de-AT', offered)).toBe('de');
  expect(pageLanguage('fr-CA', offered)).toBe('fr');
  expect(pageLanguage('fr', offered)).toBe('en');
  expect(pageLanguage('nl', offered)).toBe('en');
  expect(pageLanguage(undefined, offered)).toBe('en');
  expect(pageLanguage('it', new Set(['it']))).toBe('en');
});

it('has every message in every language', () => {
  const keys = Object.keys(PAGE_MESSAGES.en).sort();
  for (const messages of Object.values(PAGE_MESSAGES)) {
    expect(Object.keys(messages).sort()).toEqual(keys);
    for (const text of Object.values(messages)) expect(text.trim()).not.toBe('');
  }
});
