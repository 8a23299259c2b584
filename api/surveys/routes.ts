import type { RouterDeps } from '../deps';
import { feedbackRoutes } from './feedback';
import { responsesRoutes } from './responses';
import { sendRoutes } from './sends';

/** Every surveys route, under `/api/surveys/`. */
export function surveysRoutes(deps: RouterDeps): void {
  responsesRoutes(deps);
  sendRoutes(deps);
  feedbackRoutes(deps);
}
