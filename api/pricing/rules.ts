import type { RouterDeps } from '../deps';

export function rulesRoutes(_deps: RouterDeps): void {}
