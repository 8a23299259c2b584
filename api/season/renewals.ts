import type { RouterDeps } from '../deps';

export function renewalsRoutes(_deps: RouterDeps): void {}
