import type { RouterDeps } from '../deps';

export function testsRoutes(_deps: RouterDeps): void {}
