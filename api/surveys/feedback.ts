import type { RouterDeps } from '../deps';
import { analyticsRoutes } from './feedback-analytics';
import { publicReviewRoutes } from './feedback-public';
import { reviewRoutes } from './feedback-reviews';
import { ruleRoutes } from './feedback-rules';

/** Reviews and testimonials (with their public endpoints), NPS and survey analytics, response automation rules. */
export function feedbackRoutes(deps: RouterDeps): void {
  reviewRoutes(deps);
  publicReviewRoutes(deps);
  analyticsRoutes(deps);
  ruleRoutes(deps);
}
