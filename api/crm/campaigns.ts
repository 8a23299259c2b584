import type { RouterDeps } from '../deps';

export function campaignRoutes(_deps: RouterDeps): void {}
