export const REVIEW_STATUSES = ['pending', 'approved', 'rejected'] as const;
export type ReviewStatus = (typeof REVIEW_STATUSES)[number];

/** A reviewer as shown in public: first name and last initial ("Ada L."), never the e-mail. */
export function publicName(name: string): string {
  const parts = name.trim().split(/\s+/).filter(Boolean);
  if (!parts.length) return 'Attendee';
  if (parts.length === 1) return parts[0];
  return `${parts[0]} ${parts[parts.length - 1].charAt(0).toUpperCase()}.`;
}

export interface AggregateRating {
  rating_value: number | null;
  review_count: number;
  best_rating: 5;
  worst_rating: 1;
}

export function aggregateRating(ratings: readonly number[]): AggregateRating {
  const n = ratings.length;
  const mean = n ? Math.round((ratings.reduce((a, b) => a + b, 0) / n) * 10) / 10 : null;
  return { rating_value: mean, review_count: n, best_rating: 5, worst_rating: 1 };
}

export interface PublishedReview {
  rating: number;
  title: string | null;
  body: string;
  author: string;
  published_at: string;
}

export interface ReviewedEvent {
  name: string;
  starts_at: string;
  venue: string;
}

/**
 * schema.org structured data for an event's page: the Event with its AggregateRating and Reviews.
 * Google ignores an AggregateRating without reviews, so none is given until there is one.
 */
export function reviewsJsonLd(event: ReviewedEvent, reviews: readonly PublishedReview[]): Record<string, unknown> {
  const aggregate = aggregateRating(reviews.map((r) => r.rating));
  return {
    '@context': 'https://schema.org',
    '@type': 'Event',
    name: event.name,
    startDate: event.starts_at,
    location: { '@type': 'Place', name: event.venue },
    ...(aggregate.review_count
      ? {
          aggregateRating: {
            '@type': 'AggregateRating',
            ratingValue: aggregate.rating_value,
            reviewCount: aggregate.review_count,
            bestRating: aggregate.best_rating,
            worstRating: aggregate.worst_rating,
          },
          review: reviews.map((r) => ({
            '@type': 'Review',
            author: { '@type': 'Person', name: r.author },
            datePublished: r.published_at.slice(0, 10),
            ...(r.title ? { name: r.title } : {}),
            reviewBody: r.body,
            reviewRating: { '@type': 'Rating', ratingValue: r.rating, bestRating: 5, worstRating: 1 },
          })),
        }
      : {}),
  };
}

/**
 * The snippet to paste into a page. `<` is escaped so a review saying `</script>` cannot end the
 * element early (JSON parsers read `\u003c` as `<`).
 */
export const jsonLdScript = (data: Record<string, unknown>): string =>
  `<script type="application/ld+json">${JSON.stringify(data).replace(/</g, '\\u003c')}</script>`;
