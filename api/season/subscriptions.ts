import type { RouterDeps } from '../deps';

export function subscriptionsRoutes(_deps: RouterDeps): void {}
