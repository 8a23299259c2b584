import type { RouterDeps } from '../deps';

export function feedbackRoutes(_deps: RouterDeps): void {}
