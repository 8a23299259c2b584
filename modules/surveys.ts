import { SurveysSettingsSchema } from '../domain/surveys/settings';
import { SURVEYS_EVENT_TYPES } from '../domain/surveys/events';
import { defineModule } from './kit';

/**
 * Surveys and feedback: versioned post-event surveys sent on event.ended by a workflow per (survey, event), reminders,
 * one-click NPS, signed response pages, verified reviews with moderation, testimonials, NPS with its margin, response automation.
 */
export default defineModule({
  name: 'surveys',
  tag: 'surveys',
  addOn: 'surveys',
  settings: SurveysSettingsSchema,
  emits: SURVEYS_EVENT_TYPES,
  api: async () => (await import('../api/surveys/routes')).surveysRoutes,
  worker: async () => {
    const { createSurveysActivities, surveysTriggers } = await import('../activities/surveys');
    return { activities: createSurveysActivities, triggers: surveysTriggers };
  },
  workflows: require.resolve('../workflows/surveys'),
  migrations: {
    '0029_surveys': () => import('../db/migrations/0029_surveys'),
    '0030_surveys_feedback': () => import('../db/migrations/0030_surveys_feedback'),
  },
});
