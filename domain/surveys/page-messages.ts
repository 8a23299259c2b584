import type { Question } from './questions';

/** The survey page's own words (its chrome), per language; the questions bring their own translations. */
export interface PageMessages {
  send: string;
  saved: string;
  closed: string;
  /** Shown beside a required question left unanswered (the API's `required` issue). */
  required: string;
  /** Shown beside an answer the API refused (`invalid_answer`). */
  invalid: string;
  /** The status line when some answers were refused. */
  check: string;
  failed: string;
  /** The screen-reader text of the `*` after a required question. */
  requiredMark: string;
}

export const PAGE_MESSAGES = {
  en: {
    send: 'Send',
    saved: 'Thank you! Your answers are saved; you can change them until the survey closes.',
    closed: 'This survey is closed.',
    required: 'an answer is required',
    invalid: 'this answer is not valid',
    check: 'Some answers need your attention',
    failed: 'Something went wrong',
    requiredMark: 'required',
  },
  de: {
    send: 'Senden',
    saved: 'Vielen Dank! Ihre Antworten sind gespeichert; Sie können sie ändern, bis die Umfrage endet.',
    closed: 'Diese Umfrage ist beendet.',
    required: 'Bitte beantworten Sie diese Frage',
    invalid: 'Diese Antwort ist ungültig',
    check: 'Bitte prüfen Sie die markierten Antworten',
    failed: 'Etwas ist schiefgelaufen',
    requiredMark: 'Pflichtfrage',
  },
  fr: {
    send: 'Envoyer',
    saved: "Merci ! Vos réponses sont enregistrées ; vous pouvez les modifier jusqu'à la clôture de l'enquête.",
    closed: 'Cette enquête est close.',
    required: 'une réponse est requise',
    invalid: "cette réponse n'est pas valide",
    check: 'Certaines réponses sont à revoir',
    failed: "Une erreur s'est produite",
    requiredMark: 'obligatoire',
  },
  nl: {
    send: 'Versturen',
    saved: 'Bedankt! Uw antwoorden zijn opgeslagen; u kunt ze wijzigen tot de enquête sluit.',
    closed: 'Deze enquête is gesloten.',
    required: 'een antwoord is verplicht',
    invalid: 'dit antwoord is niet geldig',
    check: 'Controleer de gemarkeerde antwoorden',
    failed: 'Er ging iets mis',
    requiredMark: 'verplicht',
  },
  es: {
    send: 'Enviar',
    saved: '¡Gracias! Sus respuestas se han guardado; puede cambiarlas hasta que se cierre la encuesta.',
    closed: 'Esta encuesta está cerrada.',
    required: 'se requiere una respuesta',
    invalid: 'esta respuesta no es válida',
    check: 'Revise las respuestas marcadas',
    failed: 'Algo salió mal',
    requiredMark: 'obligatoria',
  },
} as const satisfies Record<string, PageMessages>;

export type PageLanguage = keyof typeof PAGE_MESSAGES;

const isPageLanguage = (l: string): l is PageLanguage => Object.hasOwn(PAGE_MESSAGES, l);

/** The locales a survey's texts are offered in: every locale any question or option is translated to. */
export function surveyLocales(questions: Question[]): Set<string> {
  const locales = new Set<string>();
  for (const q of questions)
    for (const item of [q, ...(q.options ?? [])]) for (const l of Object.keys(item.translations ?? {})) locales.add(l);
  return locales;
}

/**
 * The language the page speaks: the one asked for (or its base language, `de` for `de-AT`) when the
 * survey is translated to it, so the chrome never speaks another language than the questions; else English.
 */
export function pageLanguage(requested: string | undefined, offered: Set<string>): PageLanguage {
  if (!requested) return 'en';
  const base = requested.split('-')[0];
  if (!offered.has(requested) && !offered.has(base)) return 'en';
  return isPageLanguage(base) ? base : 'en';
}

export const pageMessages = (language: PageLanguage): PageMessages => PAGE_MESSAGES[language];
