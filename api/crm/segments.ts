import type { RouterDeps } from '../deps';

export function segmentRoutes(_deps: RouterDeps): void {}
