import type { RouterDeps } from '../deps';

export function quotesRoutes(_deps: RouterDeps): void {}
