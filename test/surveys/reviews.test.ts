import { upsertModule } from '../../db/platform/modules';
import { createTenantWithKey, type TenantFixture } from '../helpers/fixtures';
import { client, createHarness, type ApiClient, type Harness } from '../helpers/harness';
import { eventWithAudience, type EventWithAudience, type Person } from './responses-fixtures';

let h: Harness;
let t: TenantFixture;
let other: TenantFixture;
let show: EventWithAudience;

interface ReviewBody {
  id: number;
  status: string;
  verified: boolean;
  testimonial: boolean;
  organiser_response: string | null;
  moderation_log?: {
    from_status: string;
    to_status: string;
    reason: string | null;
    moderator: string | null;
    api_key_id: number | null;
    at: string;
  }[];
}
interface PublicBody {
  aggregate_rating: { rating_value: number | null; review_count: number };
  reviews: { id: number; author: string; body: string; verified: boolean; organiser_response: string | null }[];
  json_ld: Record<string, unknown>;
  json_ld_script: string;
}

beforeAll(async () => {
  h = await createHarness();
  t = await createTenantWithKey(h, 'Reviews');
  other = await createTenantWithKey(h, 'Other tenant');
  show = await eventWithAudience(h, t, 2, 1);
}, 120_000);
afterAll(() => h?.stop());

async function tokenFor(p: Person): Promise<ApiClient> {
  const res = await t.api.post<{ token: string }>(`/api/customers/${p.customerId}/tokens`, {});
  expect(res.status).toBe(201);
  return client(h.baseUrl, res.body.token);
}

const review = (extra: Record<string, unknown> = {}) => ({
  event_id: show.f.eventId,
  rating: 5,
  title: 'Loved it',
  body: 'Great sound </script> and friendly staff',
  publish_consent: true,
  ...extra,
});

describe('reviews by verified attendees', () => {
  let reviewId: number;

  it('refuses a ticket holder who never checked in, and an unknown event', async () => {
    const noShow = await tokenFor(show.noShows[0]);
    const res = await noShow.post<{ code: string }>('/api/surveys/reviews', review());
    expect([res.status, res.body.code]).toEqual([422, 'not_verified_attendee']);
    const byKey = await t.api.post<{ code: string }>(
      '/api/surveys/reviews',
      review({ customer_id: show.noShows[0].customerId }),
    );
    expect([byKey.status, byKey.body.code]).toEqual([422, 'not_verified_attendee']);
    expect((await noShow.post('/api/surveys/reviews', review({ event_id: 999_999_999 }))).status).toBe(404);
  });

  it('takes one review from a checked-in attendee with their token, marked verified and pending', async () => {
    const ada = await tokenFor(show.attendees[0]);
    const res = await ada.post<ReviewBody>('/api/surveys/reviews', review());
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ verified: true, status: 'pending', testimonial: false });
    expect(res.body.moderation_log).toBeUndefined();
    reviewId = res.body.id;
    const again = await ada.post<{ code: string }>('/api/surveys/reviews', review({ rating: 1 }));
    expect([again.status, again.body.code]).toEqual([409, 'review_exists']);
    // A token acts only for its own customer.
    const forOther = await ada.post('/api/surveys/reviews', review({ customer_id: show.attendees[1].customerId }));
    expect(forOther.status).toBe(404);
    const bob = await tokenFor(show.attendees[1]);
    expect((await bob.get(`/api/surveys/reviews/${reviewId}`)).status).toBe(404);
    expect((await ada.get(`/api/surveys/reviews/${reviewId}`)).status).toBe(200);
  });

  it('is not published until approved, and a pending review cannot be a testimonial', async () => {
    const pub = await client(h.baseUrl).get<PublicBody>(
      `/api/surveys/public/${t.tenantId}/events/${show.f.eventId}/reviews`,
    );
    expect(pub.status).toBe(200);
    expect(pub.body.reviews).toEqual([]);
    expect(pub.body.aggregate_rating.review_count).toBe(0);
    const pick = await t.api.patch<{ code: string }>(`/api/surveys/reviews/${reviewId}`, { testimonial: true });
    expect([pick.status, pick.body.code]).toEqual([422, 'review_not_approved']);
  });

  it('logs every moderation with who, when and why', async () => {
    const reject = await t.api.post<ReviewBody>(`/api/surveys/reviews/${reviewId}/moderation`, {
      status: 'rejected',
      reason: 'Names a member of staff',
      moderator: 'eve@organiser.example',
    });
    expect(reject.status).toBe(200);
    const approve = await t.api.post<ReviewBody>(`/api/surveys/reviews/${reviewId}/moderation`, {
      status: 'approved',
      reason: 'Edited by the reviewer',
    });
    expect(approve.body.status).toBe('approved');
    const same = await t.api.post<{ code: string }>(`/api/surveys/reviews/${reviewId}/moderation`, {
      status: 'approved',
    });
    expect([same.status, same.body.code]).toEqual([409, 'status_unchanged']);
    const log = (await t.api.get<ReviewBody>(`/api/surveys/reviews/${reviewId}`)).body.moderation_log ?? [];
    expect(
      log.map(({ from_status, to_status, reason, moderator }) => ({ from_status, to_status, reason, moderator })),
    ).toEqual([
      {
        from_status: 'pending',
        to_status: 'rejected',
        reason: 'Names a member of staff',
        moderator: 'eve@organiser.example',
      },
      { from_status: 'rejected', to_status: 'approved', reason: 'Edited by the reviewer', moderator: null },
    ]);
    expect(log.every((e) => typeof e.api_key_id === 'number' && Date.parse(e.at) > Date.now() - 60_000)).toBe(true);
    const events = await h.owner('outbox').where({ tenant_id: t.tenantId, type: 'survey.review_moderated' });
    expect(events).toHaveLength(2);
  });

  it("publishes approved reviews with the organiser's response and a schema.org AggregateRating, without a key", async () => {
    const bob = await tokenFor(show.attendees[1]);
    const second = await bob.post<ReviewBody>('/api/surveys/reviews', review({ rating: 4, publish_consent: false }));
    await t.api.post(`/api/surveys/reviews/${second.body.id}/moderation`, { status: 'approved' });
    const answer = await t.api.patch<ReviewBody>(`/api/surveys/reviews/${reviewId}`, {
      organiser_response: 'Thank you, see you next year!',
    });
    expect(answer.body.organiser_response).toBe('Thank you, see you next year!');

    const pub = await client(h.baseUrl).get<PublicBody>(
      `/api/surveys/public/${t.tenantId}/events/${show.f.eventId}/reviews`,
    );
    expect(pub.status).toBe(200);
    expect(pub.body.aggregate_rating).toMatchObject({ rating_value: 4.5, review_count: 2 });
    expect(pub.body.reviews.map((r) => r.id).sort()).toEqual([reviewId, second.body.id].sort());
    const first = pub.body.reviews.find((r) => r.id === reviewId);
    expect(first).toMatchObject({ verified: true, organiser_response: 'Thank you, see you next year!' });
    expect(first?.author).toBe('came0');
    expect(pub.body.json_ld).toMatchObject({
      '@context': 'https://schema.org',
      '@type': 'Event',
      aggregateRating: { '@type': 'AggregateRating', ratingValue: 4.5, reviewCount: 2, bestRating: 5, worstRating: 1 },
    });
    // The review's `</script>` cannot close the snippet early.
    expect(pub.body.json_ld_script.match(/<\/script>/g)).toHaveLength(1);
    expect(JSON.stringify(pub.body)).not.toContain('@example.com');

    // Testimonials: approved and agreed to publish, as selected by the organiser.
    const noConsent = await t.api.patch<{ code: string }>(`/api/surveys/reviews/${second.body.id}`, {
      testimonial: true,
    });
    expect([noConsent.status, noConsent.body.code]).toEqual([422, 'no_publish_consent']);
    expect((await t.api.patch(`/api/surveys/reviews/${reviewId}`, { testimonial: true })).status).toBe(200);
    const site = await client(h.baseUrl).get<{ items: { id: number }[] }>(
      `/api/surveys/public/${t.tenantId}/testimonials`,
    );
    expect(site.body.items.map((i) => i.id)).toEqual([reviewId]);
    // Rejecting a testimonial takes it off the site.
    await t.api.post(`/api/surveys/reviews/${reviewId}/moderation`, { status: 'rejected', reason: 'Complaint' });
    const after = await client(h.baseUrl).get<{ items: unknown[] }>(`/api/surveys/public/${t.tenantId}/testimonials`);
    expect(after.body.items).toEqual([]);
  });

  it("answers 404 for another tenant's reviews, and publicly for a tenant without surveys", async () => {
    for (const res of [
      await other.api.get(`/api/surveys/reviews/${reviewId}`),
      await other.api.post(`/api/surveys/reviews/${reviewId}/moderation`, { status: 'approved' }),
      await other.api.patch(`/api/surveys/reviews/${reviewId}`, { organiser_response: 'Hi' }),
    ])
      expect(res.status).toBe(404);
    const listed = await other.api.get<{ items: unknown[] }>('/api/surveys/reviews');
    expect(listed.body.items).toEqual([]);
    const foreignEvent = await client(h.baseUrl).get(
      `/api/surveys/public/${other.tenantId}/events/${show.f.eventId}/reviews`,
    );
    expect(foreignEvent.status).toBe(404);
    await upsertModule(h.owner, other.tenantId, 'surveys', { enabled: false });
    expect((await client(h.baseUrl).get(`/api/surveys/public/${other.tenantId}/testimonials`)).status).toBe(404);
    expect((await client(h.baseUrl).get('/api/surveys/public/no-such-tenant/testimonials')).status).toBe(404);
  });
});
