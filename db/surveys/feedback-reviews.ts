import type { Tx } from '../connection';
import type { ReviewStatus } from '../../domain/surveys/feedback-reviews';

export interface ReviewRow {
  id: number;
  tenant_id: string;
  event_id: number;
  customer_id: number;
  ticket_id: number;
  checked_in_at: Date;
  rating: number;
  title: string | null;
  body: string;
  reviewer_name: string;
  publish_consent: boolean;
  status: ReviewStatus;
  testimonial: boolean;
  organiser_response: string | null;
  responded_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export interface ModerationRow {
  id: number;
  review_id: number;
  from_status: ReviewStatus;
  to_status: ReviewStatus;
  reason: string | null;
  moderator: string | null;
  api_key_id: number | null;
  created_at: Date;
}

export type NewReview = Pick<
  ReviewRow,
  | 'event_id'
  | 'customer_id'
  | 'ticket_id'
  | 'checked_in_at'
  | 'rating'
  | 'title'
  | 'body'
  | 'reviewer_name'
  | 'publish_consent'
>;

/** Inserts a review; undefined when the customer has already reviewed the event. */
export async function insertReview(tx: Tx, tenantId: string, review: NewReview): Promise<ReviewRow | undefined> {
  const [row] = await tx<ReviewRow>('survey_reviews')
    .insert({ tenant_id: tenantId, ...review })
    .onConflict(['event_id', 'customer_id'])
    .ignore()
    .returning('*');
  return row;
}

export async function getReview(tx: Tx, id: number, opts: { lock?: boolean } = {}): Promise<ReviewRow | undefined> {
  const q = tx<ReviewRow>('survey_reviews').where({ id }).first();
  return opts.lock ? q.forUpdate() : q;
}

export interface ReviewFilter {
  event_id?: number;
  status?: ReviewStatus;
  customer_id?: number;
  testimonial?: boolean;
  limit: number;
  after?: number;
}

export async function listReviews(tx: Tx, f: ReviewFilter): Promise<ReviewRow[]> {
  const q = tx<ReviewRow>('survey_reviews').orderBy('id').limit(f.limit);
  if (f.event_id !== undefined) q.where({ event_id: f.event_id });
  if (f.status !== undefined) q.where({ status: f.status });
  if (f.customer_id !== undefined) q.where({ customer_id: f.customer_id });
  if (f.testimonial !== undefined) q.where({ testimonial: f.testimonial });
  if (f.after !== undefined) q.where('id', '>', f.after);
  return q;
}

/**
 * Changes a review's status and logs who did it, when and why. Rejecting a testimonial withdraws it
 * from the site (the table allows testimonials only among approved reviews).
 */
export async function moderateReview(
  tx: Tx,
  tenantId: string,
  review: ReviewRow,
  change: { to: ReviewStatus; reason: string | null; moderator: string | null; apiKeyId: number | null },
): Promise<ReviewRow> {
  const [row] = await tx<ReviewRow>('survey_reviews')
    .where({ id: review.id })
    .update({
      status: change.to,
      ...(change.to === 'approved' ? {} : { testimonial: false }),
      updated_at: tx.fn.now(),
    })
    .returning('*');
  await tx('survey_review_moderations').insert({
    tenant_id: tenantId,
    review_id: review.id,
    from_status: review.status,
    to_status: change.to,
    reason: change.reason,
    moderator: change.moderator,
    api_key_id: change.apiKeyId,
  });
  return row;
}

export async function moderationLog(tx: Tx, reviewId: number): Promise<ModerationRow[]> {
  return tx<ModerationRow>('survey_review_moderations')
    .where({ review_id: reviewId })
    .orderBy('id')
    .select('id', 'review_id', 'from_status', 'to_status', 'reason', 'moderator', 'api_key_id', 'created_at');
}

export async function updateReview(
  tx: Tx,
  id: number,
  patch: Partial<Pick<ReviewRow, 'organiser_response' | 'responded_at' | 'testimonial'>>,
): Promise<ReviewRow> {
  const [row] = await tx<ReviewRow>('survey_reviews')
    .where({ id })
    .update({ ...patch, updated_at: tx.fn.now() })
    .returning('*');
  return row;
}

/** An event's published (approved) reviews, newest first, with its average rating over all of them. */
export async function publishedReviews(
  tx: Tx,
  eventId: number,
  limit: number,
): Promise<{ reviews: ReviewRow[]; ratings: number[] }> {
  const reviews = await tx<ReviewRow>('survey_reviews')
    .where({ event_id: eventId, status: 'approved' })
    .orderBy('id', 'desc')
    .limit(limit);
  const ratings = (await tx('survey_reviews')
    .where({ event_id: eventId, status: 'approved' })
    .pluck('rating')) as number[];
  return { reviews, ratings };
}
