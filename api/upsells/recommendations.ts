import type { RouterDeps } from '../deps';

export function recommendationsRoutes(_deps: RouterDeps): void {}
