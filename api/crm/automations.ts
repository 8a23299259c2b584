import type { RouterDeps } from '../deps';

export function automationRoutes(_deps: RouterDeps): void {}
