import type { RouterDeps } from '../deps';

export function allocationsRoutes(_deps: RouterDeps): void {}
