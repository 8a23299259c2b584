import type Koa from 'koa';
import type { z } from 'zod';
import { withTenant, type Tx } from '../../db/connection';
import { getEvent } from '../../db/events/events';
import { isModuleEnabled } from '../../db/platform/modules';
import { listReviews, publishedReviews, type ReviewRow } from '../../db/surveys/feedback-reviews';
import { aggregateRating, jsonLdScript, publicName, reviewsJsonLd } from '../../domain/surveys/feedback-reviews';
import { AppError, notFound } from '../../lib/errors';
import type { RouterDeps } from '../deps';
import { definePublicRoute, fieldErrors } from '../route';
import {
  PublicLimitQuery,
  PublicReviews,
  PublicReviewsParams,
  PublicTenantParams,
  Testimonials,
} from './feedback-schemas';

function parse<S extends z.ZodType>(where: string, schema: S, value: unknown): z.output<S> {
  const r = schema.safeParse(value);
  if (!r.success)
    throw new AppError(400, 'validation_failed', 'The request is not valid', { errors: fieldErrors(where, r.error) });
  return r.data;
}

const toPublic = (r: ReviewRow) => ({
  id: r.id,
  rating: r.rating,
  title: r.title,
  body: r.body,
  author: publicName(r.reviewer_name),
  verified: true as const,
  published_at: r.updated_at.toISOString(),
  organiser_response: r.organiser_response,
});

/**
 * Published reviews without a key: the tenant is named in the path, and a tenant without the surveys
 * module (or that does not exist) answers 404 like an unknown event.
 */
export function publicReviewRoutes(deps: RouterDeps): void {
  const tags = ['surveys'];

  async function asTenant<T>(tenantId: string, fn: (tx: Tx) => Promise<T>): Promise<T> {
    return withTenant(deps.db, tenantId, async (tx) => {
      if (!(await isModuleEnabled(tx, 'surveys'))) throw notFound('Tenant');
      return fn(tx);
    });
  }

  const cacheable = (ctx: Koa.Context): void => {
    ctx.set('Cache-Control', 'public, max-age=60');
  };

  definePublicRoute(deps, {
    method: 'get',
    path: '/api/surveys/public/{tenant_id}/events/{id}/reviews',
    summary: "An event's published reviews with a schema.org AggregateRating JSON-LD snippet (no key needed)",
    description:
      'Approved reviews only, each by a verified (checked-in) attendee, shown by first name and last initial. `json_ld_script` is ready to paste into the event page.',
    tags,
    params: PublicReviewsParams,
    query: PublicLimitQuery,
    responses: {
      200: { description: 'Published reviews', schema: PublicReviews },
      400: { description: 'Malformed id or limit' },
      404: { description: 'Unknown tenant or event, or surveys not enabled' },
    },
    handler: async (ctx) => {
      const params = parse('params', PublicReviewsParams, ctx.params);
      const query = parse('query', PublicLimitQuery, ctx.query);
      const body = await asTenant(params.tenant_id, async (tx) => {
        const event = await getEvent(tx, params.id);
        if (!event) throw notFound('Event');
        const { reviews, ratings } = await publishedReviews(tx, params.id, query.limit);
        const shown = reviews.map(toPublic);
        const jsonLd = reviewsJsonLd(
          { name: event.name, starts_at: event.starts_at.toISOString(), venue: event.venue_name },
          shown,
        );
        return {
          event_id: event.id,
          aggregate_rating: aggregateRating(ratings),
          reviews: shown,
          json_ld: jsonLd,
          json_ld_script: jsonLdScript(jsonLd),
        } satisfies z.infer<typeof PublicReviews>;
      });
      cacheable(ctx);
      ctx.body = body;
    },
  });

  definePublicRoute(deps, {
    method: 'get',
    path: '/api/surveys/public/{tenant_id}/testimonials',
    summary: "The tenant's testimonials for its site: approved reviews its reviewers agreed to publish, as selected",
    tags,
    params: PublicTenantParams,
    query: PublicLimitQuery,
    responses: {
      200: { description: 'Testimonials, in the order they were reviewed', schema: Testimonials },
      400: { description: 'Malformed limit' },
      404: { description: 'Unknown tenant, or surveys not enabled' },
    },
    handler: async (ctx) => {
      const params = parse('params', PublicTenantParams, ctx.params);
      const query = parse('query', PublicLimitQuery, ctx.query);
      const rows = await asTenant(params.tenant_id, (tx) =>
        listReviews(tx, { testimonial: true, status: 'approved', limit: query.limit }),
      );
      cacheable(ctx);
      ctx.body = {
        items: rows.map((r) => ({ ...toPublic(r), event_id: r.event_id })),
      } satisfies z.infer<typeof Testimonials>;
    },
  });
}
