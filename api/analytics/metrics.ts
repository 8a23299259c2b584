import type { RouterDeps } from '../deps';

export function metricRoutes(_deps: RouterDeps): void {}
