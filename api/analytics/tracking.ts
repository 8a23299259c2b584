import type { RouterDeps } from '../deps';

export function trackingRoutes(_deps: RouterDeps): void {}
