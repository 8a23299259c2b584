import type { RouterDeps } from '../deps';

export function catalogRoutes(_deps: RouterDeps): void {}
