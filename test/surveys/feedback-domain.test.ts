import { themesOf } from '../../domain/surveys/feedback-themes';
import { reviewLink, ruleMatches, RuleActionSchema } from '../../domain/surveys/feedback-rules';
import { aggregateRating, jsonLdScript, publicName, reviewsJsonLd } from '../../domain/surveys/feedback-reviews';
import { alertMail } from '../../domain/surveys/feedback-mail';

describe('free-text themes and sentiment', () => {
  it('ranks words by how many answers mention them, without stop words, and scores sentiment', () => {
    const report = themesOf([
      'The sound was amazing and the staff were friendly',
      'Sound was terrible, the queue was terrible too',
      'Queue at the bar, but great sound',
      'ok',
    ]);
    expect(report.themes.slice(0, 2)).toEqual([
      { word: 'sound', answers: 3 },
      { word: 'queue', answers: 2 },
    ]);
    const words = report.themes.map((t) => t.word);
    expect(words).not.toContain('the');
    expect(words).not.toContain('was');
    expect(report.sentiment).toMatchObject({ answers: 4, positive: 2, negative: 1, neutral: 1 });
    expect(report.sentiment.mean).toBeGreaterThan(0);
  });

  it('has no mean without answers', () => {
    expect(themesOf([]).sentiment).toEqual({ answers: 0, mean: null, positive: 0, neutral: 0, negative: 0 });
  });
});

describe('response rules', () => {
  const detractors = { survey_id: null, nps_min: null, nps_max: 6 };
  it('match scores in their inclusive range, of their survey only', () => {
    expect(ruleMatches(detractors, { survey_id: 1, nps_score: 6 })).toBe(true);
    expect(ruleMatches(detractors, { survey_id: 1, nps_score: 7 })).toBe(false);
    expect(ruleMatches(detractors, { survey_id: 1, nps_score: null })).toBe(false);
    const promoters = { survey_id: 2, nps_min: 9, nps_max: null };
    expect(ruleMatches(promoters, { survey_id: 2, nps_score: 9 })).toBe(true);
    expect(ruleMatches(promoters, { survey_id: 3, nps_score: 10 })).toBe(false);
  });

  it('fill the review link with the token and event, and refuse a link without {token}', () => {
    expect(reviewLink('https://shop.example/r?e={event_id}&t={token}', 'a.b+c', 7)).toBe(
      'https://shop.example/r?e=7&t=a.b%2Bc',
    );
    expect(
      RuleActionSchema.safeParse({ type: 'request_review', review_url: 'https://shop.example/review' }).success,
    ).toBe(false);
  });

  it('alert the organiser with the score, the customer and labelled answers', () => {
    const mail = alertMail({
      ruleName: 'Detractors',
      surveyName: 'Post-show',
      eventName: 'Concert',
      score: 3,
      customer: { name: 'Ada Lovelace', email: 'ada@example.com' },
      questions: [
        { id: 'nps', type: 'nps', text: 'Recommend us?', required: true },
        {
          id: 'seat',
          type: 'single_choice',
          text: 'Seat?',
          required: false,
          options: [
            { id: 'a', text: 'Stalls' },
            { id: 'b', text: 'Balcony' },
          ],
        },
      ],
      answers: { nps: 3, seat: 'b' },
    });
    expect(mail.subject).toBe('Survey alert: detractor score 3 (Post-show)');
    expect(mail.text).toContain('Ada Lovelace <ada@example.com>');
    expect(mail.text).toContain('Seat?\n  Balcony');
  });
});

describe('published reviews', () => {
  it('show reviewers by first name and last initial', () => {
    expect(publicName('Ada  King Lovelace')).toBe('Ada L.');
    expect(publicName('Cher')).toBe('Cher');
    expect(publicName('  ')).toBe('Attendee');
  });

  it('aggregate ratings and describe them as schema.org JSON-LD that cannot break out of its script', () => {
    expect(aggregateRating([5, 4, 4])).toEqual({ rating_value: 4.3, review_count: 3, best_rating: 5, worst_rating: 1 });
    const data = reviewsJsonLd({ name: 'Show', starts_at: '2026-05-01T19:00:00.000Z', venue: 'Hall' }, [
      {
        rating: 5,
        title: null,
        body: 'Great </script><script>alert(1)',
        author: 'Ada L.',
        published_at: '2026-05-02T10:00:00.000Z',
      },
    ]);
    expect(data.aggregateRating).toEqual({
      '@type': 'AggregateRating',
      ratingValue: 5,
      reviewCount: 1,
      bestRating: 5,
      worstRating: 1,
    });
    const script = jsonLdScript(data);
    expect(script.match(/<\/script>/g)).toHaveLength(1);
    const inner = script.replace('<script type="application/ld+json">', '').replace('</script>', '');
    expect(JSON.parse(inner)).toEqual(data);
  });

  it('leave AggregateRating out until there is a review', () => {
    expect(
      reviewsJsonLd({ name: 'Show', starts_at: '2026-05-01T19:00:00.000Z', venue: 'Hall' }, []),
    ).not.toHaveProperty('aggregateRating');
  });
});
