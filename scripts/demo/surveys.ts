import { createDb, withTenant } from '../../db/connection';
import { listRecipients, snapshotRecipients } from '../../db/surveys/recipients';
import { recipientLinks, surveyPagePath } from '../../domain/surveys/links';
import type { Config } from '../../lib/config';
import { DAY, DemoApiError, type DemoApi, type Page } from './api';

export const DEMO_SURVEY = 'Post-event survey';
/** Responses given by the first recipients; the next one's link is the page a newcomer opens. */
const RESPONSES = 40;
const NPS_SCORES = [10, 9, 10, 8, 7, 9, 10, 6, 9, 10, 3, 8, 9, 10, 7, 9, 5, 10, 9, 8];
const HEARD = ['friends', 'social', 'newsletter', 'social', 'poster'];
const LIKED = [['music', 'crowd'], ['music'], ['venue', 'drinks'], ['music', 'venue', 'crowd']];
const COMMENTS = [
  'The sound was great, the queue at the bar was long.',
  'Loved the crowd and the music.',
  'Too long a queue at the entrance.',
  'Great venue, drinks were expensive.',
];

const QUESTIONS = [
  {
    id: 'nps',
    type: 'nps',
    required: true,
    text: 'How likely are you to recommend our events to a friend?',
    translations: {
      de: 'Wie wahrscheinlich ist es, dass Sie unsere Veranstaltungen weiterempfehlen?',
      fr: 'Quelle est la probabilité que vous recommandiez nos événements à un ami ?',
    },
  },
  {
    id: 'sound',
    type: 'rating',
    text: 'How was the sound?',
    translations: { de: 'Wie war der Sound?', fr: 'Comment était le son ?' },
  },
  {
    id: 'heard',
    type: 'single_choice',
    text: 'How did you hear about the event?',
    translations: { de: 'Wie haben Sie von der Veranstaltung erfahren?', fr: "Comment avez-vous connu l'événement ?" },
    options: [
      { id: 'friends', text: 'From friends', translations: { de: 'Von Freunden', fr: 'Par des amis' } },
      { id: 'social', text: 'Social media', translations: { de: 'Soziale Medien', fr: 'Réseaux sociaux' } },
      { id: 'newsletter', text: 'Our newsletter', translations: { de: 'Unser Newsletter', fr: 'Notre newsletter' } },
      { id: 'poster', text: 'A poster', translations: { de: 'Ein Plakat', fr: 'Une affiche' } },
    ],
  },
  {
    id: 'liked',
    type: 'multiple_choice',
    text: 'What did you enjoy?',
    translations: { de: 'Was hat Ihnen gefallen?', fr: "Qu'avez-vous apprécié ?" },
    options: [
      { id: 'music', text: 'The music', translations: { de: 'Die Musik', fr: 'La musique' } },
      { id: 'venue', text: 'The venue', translations: { de: 'Der Veranstaltungsort', fr: 'La salle' } },
      { id: 'drinks', text: 'Food and drinks', translations: { de: 'Essen und Getränke', fr: 'Les boissons' } },
      { id: 'crowd', text: 'The crowd', translations: { de: 'Das Publikum', fr: 'Le public' } },
    ],
  },
  {
    id: 'comment',
    type: 'text',
    text: 'Anything we could do better?',
    translations: { de: 'Was könnten wir besser machen?', fr: 'Que pourrions-nous améliorer ?' },
  },
];

const REVIEWS = [
  {
    rating: 5,
    title: 'Best night of the year',
    body: 'Brilliant sound and a lovely crowd.',
    consent: true,
    to: 'approved',
  },
  { rating: 4, title: 'Great show', body: 'Great show, but the bar queue was long.', consent: false, to: 'approved' },
  { rating: 3, title: null, body: 'Good music, too crowded at the front.', consent: true, to: 'pending' },
] as const;

interface Review {
  id: number;
  customer_id: number;
  status: string;
  testimonial: boolean;
}

/**
 * The tenant's post-event survey (NPS, rating, choice and text questions in English, German and French),
 * sent to the attendees of the latest past demo event and answered by forty of them, with three verified
 * reviews (two approved, one a testimonial, one pending). The recipients are the survey's own snapshot of
 * the checked-in audience, as its dispatch workflow takes it; returns the survey page of one who has not
 * answered yet.
 */
export async function seedDemoSurveys(
  api: DemoApi,
  config: Pick<Config, 'appDatabaseUrl' | 'TOKEN_SECRET'>,
  tenantId: string,
): Promise<{ surveyId: number; eventId: number; pagePath: string } | undefined> {
  const ended = (await api.get<Page<{ id: number; ends_at: string }>>('/api/events?status=ended&limit=200')).items;
  const past = ended.sort((a, b) => Date.parse(b.ends_at) - Date.parse(a.ends_at))[0];
  if (!past) return undefined;
  const surveys = (await api.get<Page<{ id: number; name: string }>>('/api/surveys/surveys?limit=200')).items;
  const surveyId =
    surveys.find((s) => s.name === DEMO_SURVEY)?.id ??
    (await api.post<{ id: number }>('/api/surveys/surveys', { name: DEMO_SURVEY, questions: QUESTIONS })).id;

  const db = createDb(config.appDatabaseUrl, 1);
  const recipients = await withTenant(db, tenantId, async (tx) => {
    await snapshotRecipients(tx, tenantId, surveyId, past.id, 'attended', 60 * DAY);
    return listRecipients(tx, surveyId, past.id);
  }).finally(() => db.destroy());

  const answered = new Set(
    (
      await api.get<Page<{ recipient_id: number | null }>>(
        `/api/surveys/surveys/${surveyId}/responses?event_id=${past.id}&limit=200`,
      )
    ).items.map((r) => r.recipient_id),
  );
  for (const [i, r] of recipients.slice(0, RESPONSES).entries())
    if (!answered.has(r.id))
      await api.post(`/api/surveys/surveys/${surveyId}/responses`, { recipient_id: r.id, answers: answersOf(i) });

  await reviews(
    api,
    past.id,
    recipients.slice(0, REVIEWS.length).map((r) => r.customer_id),
  );
  const open = recipients[RESPONSES] ?? recipients[0];
  const pagePath = open
    ? surveyPagePath(recipientLinks(config.TOKEN_SECRET).sign({ tenantId, recipientId: open.id }))
    : '';
  return { surveyId, eventId: past.id, pagePath };
}

function answersOf(i: number): Record<string, unknown> {
  return {
    nps: NPS_SCORES[i % NPS_SCORES.length],
    sound: 3 + (i % 3),
    heard: HEARD[i % HEARD.length],
    liked: LIKED[i % LIKED.length],
    ...(i % 3 === 0 ? { comment: COMMENTS[(i / 3) % COMMENTS.length] } : {}),
  };
}

/** The reviews of three attendees, moderated as REVIEWS says; each step is skipped once done. */
async function reviews(api: DemoApi, eventId: number, customerIds: number[]): Promise<void> {
  const existing = (await api.get<Page<Review>>(`/api/surveys/reviews?event_id=${eventId}&limit=200`)).items;
  for (const [i, customerId] of customerIds.entries()) {
    const want = REVIEWS[i];
    let review = existing.find((r) => r.customer_id === customerId);
    if (!review)
      review = await api
        .post<Review>('/api/surveys/reviews', {
          event_id: eventId,
          customer_id: customerId,
          rating: want.rating,
          ...(want.title ? { title: want.title } : {}),
          body: want.body,
          publish_consent: want.consent,
        })
        .catch((err: unknown) => {
          // Not checked in (an attendee whose check-in was undone): no review from them, as for any tenant.
          if (err instanceof DemoApiError && err.code === 'not_verified_attendee') return undefined;
          throw err;
        });
    if (!review) continue;
    if (review.status === 'pending' && want.to === 'approved')
      review = await api.post<Review>(`/api/surveys/reviews/${review.id}/moderation`, {
        status: 'approved',
        moderator: 'demo@usher.example',
      });
    if (want.consent && want.to === 'approved' && !review.testimonial)
      await api.patch(`/api/surveys/reviews/${review.id}`, {
        testimonial: true,
        organiser_response: 'Thank you, see you at the next one!',
      });
  }
}
