import type { RouterDeps } from '../deps';

export function bookingsRoutes(_deps: RouterDeps): void {}
