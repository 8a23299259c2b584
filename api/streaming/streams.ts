import type { RouterDeps } from '../deps';

export function streamsRoutes(_deps: RouterDeps): void {}
