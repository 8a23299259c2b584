import type { z } from 'zod';
import { checkedInTicketOf } from '../../db/checkin/lookup';
import type { Tx } from '../../db/connection';
import { getCustomer } from '../../db/customers/customers';
import { getEvent } from '../../db/events/events';
import { emit } from '../../db/platform/outbox';
import {
  getReview,
  insertReview,
  listReviews,
  moderateReview,
  moderationLog,
  updateReview,
  type ModerationRow,
  type ReviewRow,
} from '../../db/surveys/feedback-reviews';
import { AppError, conflict, notFound, unprocessable } from '../../lib/errors';
import type { RouterDeps } from '../deps';
import { visibleTo } from '../ownership';
import { defineRoute, type Auth } from '../route';
import { IdParams, isoOrNull, page, toPage } from '../schemas/common';
import { CreateReview, ModerateReview, Review, ReviewsQuery, UpdateReview } from './feedback-schemas';

type ReviewView = z.infer<typeof Review>;

const logEntry = (m: ModerationRow): NonNullable<ReviewView['moderation_log']>[number] => ({
  from_status: m.from_status,
  to_status: m.to_status,
  reason: m.reason,
  moderator: m.moderator,
  api_key_id: m.api_key_id,
  at: m.created_at.toISOString(),
});

export const toReview = (r: ReviewRow, log?: ModerationRow[]): ReviewView => ({
  id: r.id,
  event_id: r.event_id,
  customer_id: r.customer_id,
  rating: r.rating,
  title: r.title,
  body: r.body,
  verified: true,
  checked_in_at: r.checked_in_at.toISOString(),
  publish_consent: r.publish_consent,
  status: r.status,
  testimonial: r.testimonial,
  organiser_response: r.organiser_response,
  responded_at: isoOrNull(r.responded_at),
  created_at: r.created_at.toISOString(),
  ...(log ? { moderation_log: log.map(logEntry) } : {}),
});

/** The customer a review is by: a token's own customer, or the one an API key names. */
function reviewerOf(auth: Auth, customerId: number | undefined): number {
  if (auth.kind === 'customer') {
    if (customerId !== undefined && customerId !== auth.customerId) throw notFound('Customer');
    return auth.customerId;
  }
  if (customerId === undefined)
    throw new AppError(400, 'validation_failed', 'The request is not valid', {
      errors: [{ path: 'body.customer_id', message: 'required when an API key leaves the review', code: 'required' }],
    });
  return customerId;
}

async function loadReview(tx: Tx, auth: Auth, id: number, lock = false): Promise<ReviewRow> {
  return visibleTo(auth, await getReview(tx, id, { lock }), (r) => r.customer_id, 'Review');
}

/** The moderation log is the organiser's: a reviewer sees their review's status, not who moderated it. */
const withLog = async (tx: Tx, auth: Auth, r: ReviewRow): Promise<ReviewView> =>
  toReview(r, auth.kind === 'key' ? await moderationLog(tx, r.id) : undefined);

/** Reviews by verified attendees, their moderation, the organiser's response and testimonial selection. */
export function reviewRoutes(deps: RouterDeps): void {
  const tags = ['surveys'];
  const module = 'surveys' as const;

  defineRoute(deps, {
    method: 'post',
    path: '/api/surveys/reviews',
    summary: 'Review an event (stars and text); only a checked-in attendee may, and the review says so',
    tags,
    access: { scope: 'write', customer: true, module },
    idempotent: true,
    body: CreateReview,
    responses: { 201: { description: 'The review, pending moderation', schema: Review } },
    handler: async ({ tx, auth, body }) => {
      const customerId = reviewerOf(auth, body.customer_id);
      if (!(await getEvent(tx, body.event_id))) throw notFound('Event');
      const customer = await getCustomer(tx, customerId);
      if (!customer) throw notFound('Customer');
      const attended = await checkedInTicketOf(tx, body.event_id, customerId);
      if (!attended)
        throw unprocessable('not_verified_attendee', 'Only an attendee checked in at the event can review it');
      const review = await insertReview(tx, auth.tenantId, {
        event_id: body.event_id,
        customer_id: customerId,
        ticket_id: attended.ticket_id,
        checked_in_at: attended.first_admitted_at,
        rating: body.rating,
        title: body.title ?? null,
        body: body.body,
        reviewer_name: customer.name,
        publish_consent: body.publish_consent,
      });
      if (!review) throw conflict('review_exists', 'This customer has already reviewed the event');
      await emit(tx, auth.tenantId, {
        type: 'survey.review_submitted',
        aggregateType: 'survey_review',
        aggregateId: review.id,
        payload: { review_id: review.id, event_id: review.event_id, customer_id: customerId, rating: review.rating },
      });
      return { status: 201, body: toReview(review) };
    },
  });

  defineRoute(deps, {
    method: 'get',
    path: '/api/surveys/reviews',
    summary: "List reviews, for moderation (a customer token lists the customer's own)",
    tags,
    access: { scope: 'read', customer: true, module },
    query: ReviewsQuery,
    responses: { 200: { description: 'Reviews', schema: page(Review) } },
    handler: async ({ tx, auth, query }) => {
      const rows = await listReviews(tx, {
        ...query,
        testimonial: query.testimonial === undefined ? undefined : query.testimonial === 'true',
        customer_id: auth.kind === 'customer' ? auth.customerId : undefined,
      });
      return {
        body: toPage(
          rows.map((r) => toReview(r)),
          query.limit,
        ),
      };
    },
  });

  defineRoute(deps, {
    method: 'get',
    path: '/api/surveys/reviews/{id}',
    summary: 'A review, with its moderation log (who, when, why) for API keys',
    tags,
    access: { scope: 'read', customer: true, module },
    params: IdParams,
    responses: { 200: { description: 'The review', schema: Review } },
    handler: async ({ tx, auth, params }) => ({ body: await withLog(tx, auth, await loadReview(tx, auth, params.id)) }),
  });

  defineRoute(deps, {
    method: 'post',
    path: '/api/surveys/reviews/{id}/moderation',
    summary: 'Approve (publish) or reject a review, or send it back to pending; logged with who, when and why',
    tags,
    access: { scope: 'write', module },
    params: IdParams,
    body: ModerateReview,
    responses: { 200: { description: 'The review with its moderation log', schema: Review } },
    handler: async ({ tx, auth, params, body }) => {
      const review = await loadReview(tx, auth, params.id, true);
      if (review.status === body.status) throw conflict('status_unchanged', `The review is already ${body.status}`);
      const saved = await moderateReview(tx, auth.tenantId, review, {
        to: body.status,
        reason: body.reason ?? null,
        moderator: body.moderator ?? null,
        apiKeyId: auth.kind === 'key' ? auth.keyId : null,
      });
      await emit(tx, auth.tenantId, {
        type: 'survey.review_moderated',
        aggregateType: 'survey_review',
        aggregateId: review.id,
        payload: {
          review_id: review.id,
          event_id: review.event_id,
          from_status: review.status,
          to_status: body.status,
        },
      });
      return { body: await withLog(tx, auth, saved) };
    },
  });

  defineRoute(deps, {
    method: 'patch',
    path: '/api/surveys/reviews/{id}',
    summary:
      "Set or remove the organiser's public response, or select the review as a testimonial for the tenant's site",
    tags,
    access: { scope: 'write', module },
    params: IdParams,
    body: UpdateReview,
    responses: { 200: { description: 'The review', schema: Review } },
    handler: async ({ tx, auth, params, body }) => {
      const review = await loadReview(tx, auth, params.id, true);
      if (body.testimonial && review.status !== 'approved')
        throw unprocessable('review_not_approved', 'Only an approved review can be a testimonial');
      if (body.testimonial && !review.publish_consent)
        throw unprocessable('no_publish_consent', 'The reviewer did not agree to publish the review as a testimonial');
      const response =
        body.organiser_response === undefined
          ? {}
          : { organiser_response: body.organiser_response, responded_at: body.organiser_response ? new Date() : null };
      const patch = { ...response, ...(body.testimonial === undefined ? {} : { testimonial: body.testimonial }) };
      const saved = Object.keys(patch).length ? await updateReview(tx, params.id, patch) : review;
      return { body: await withLog(tx, auth, saved) };
    },
  });
}
