import { countScores, npsCategory, npsSummary } from '../../domain/surveys/nps';
import { distributions, textAnswers } from '../../domain/surveys/feedback-distributions';
import type { Answers, Question } from '../../domain/surveys/questions';

describe('NPS', () => {
  it('classifies 0–6 as detractors, 7–8 passives, 9–10 promoters', () => {
    expect([0, 6, 7, 8, 9, 10].map(npsCategory)).toEqual([
      'detractor',
      'detractor',
      'passive',
      'passive',
      'promoter',
      'promoter',
    ]);
    expect(countScores([10, 9, 8, 6, 0, 7, 9])).toEqual({ promoters: 3, passives: 2, detractors: 2 });
  });

  it('matches hand-computed NPS and margin: 5 promoters, 3 passives, 2 detractors', () => {
    // pP = 0.5, pD = 0.2: NPS 30; var = 0.5 + 0.2 - 0.3² = 0.61; SE = √(0.61/10) = 0.24698;
    // margin = 1.96 × 0.24698 × 100 = 48.4 points.
    expect(npsSummary({ promoters: 5, passives: 3, detractors: 2 })).toEqual({
      promoters: 5,
      passives: 3,
      detractors: 2,
      responses: 10,
      nps: 30,
      margin_of_error: 48.4,
      ci_low: -18.4,
      ci_high: 78.4,
    });
  });

  it('matches hand-computed margin on 100 responses: 60/20/20', () => {
    // NPS 40; var = 0.8 - 0.16 = 0.64; SE = 0.08; margin = 1.96 × 8 = 15.7.
    const s = npsSummary({ promoters: 60, passives: 20, detractors: 20 });
    expect([s.nps, s.margin_of_error, s.ci_low, s.ci_high]).toEqual([40, 15.7, 24.3, 55.7]);
  });

  it('clamps the interval to -100..100 and has no spread when everyone agrees', () => {
    // 9 promoters, 1 passive: NPS 90, var = 0.9 - 0.81 = 0.09, margin = 1.96 × √0.009 × 100 = 18.6.
    const s = npsSummary({ promoters: 9, passives: 1, detractors: 0 });
    expect([s.nps, s.margin_of_error, s.ci_high]).toEqual([90, 18.6, 100]);
    const all = npsSummary({ promoters: 0, passives: 0, detractors: 4 });
    expect([all.nps, all.margin_of_error, all.ci_low, all.ci_high]).toEqual([-100, 0, -100, -100]);
  });

  it('gives no score without responses and no margin from a single one', () => {
    expect(npsSummary({ promoters: 0, passives: 0, detractors: 0 }).nps).toBeNull();
    const one = npsSummary({ promoters: 1, passives: 0, detractors: 0 });
    expect([one.nps, one.margin_of_error]).toEqual([100, null]);
  });
});

describe('distributions per question', () => {
  const questions: Question[] = [
    { id: 'nps', type: 'nps', text: 'Recommend us?', required: true },
    { id: 'food', type: 'rating', text: 'Food', required: false },
    {
      id: 'heard',
      type: 'multiple_choice',
      text: 'Where did you hear of us?',
      required: false,
      options: [
        { id: 'radio', text: 'Radio' },
        { id: 'web', text: 'Web' },
      ],
    },
    { id: 'why', type: 'text', text: 'Why?', required: false },
  ];
  const answers: Answers[] = [
    { nps: 10, food: 4, heard: ['radio', 'web'], why: 'Great sound' },
    { nps: 3, food: 2, heard: ['web'], why: '  ' },
    { nps: 8 },
  ];

  it('counts every score, option and answer, with means and the NPS question summarised', () => {
    const [nps, food, heard, why] = distributions(questions, answers);
    expect(nps.counts).toMatchObject({ '0': 0, '3': 1, '8': 1, '10': 1 });
    expect(Object.keys(nps.counts)).toHaveLength(11);
    expect(nps.mean).toBe(7);
    expect(nps.nps).toMatchObject({ responses: 3, promoters: 1, passives: 1, detractors: 1, nps: 0 });
    expect(food).toMatchObject({ answered: 2, mean: 3, counts: { '1': 0, '2': 1, '4': 1, '5': 0 } });
    expect(heard).toMatchObject({ answered: 2, counts: { radio: 1, web: 2 } });
    expect(why).toMatchObject({ answered: 2, counts: {}, mean: null, nps: null });
    expect(textAnswers(questions, answers)).toEqual(['Great sound']);
  });
});
