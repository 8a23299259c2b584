import type { RouterDeps } from '../deps';

export function customerDataRoutes(_deps: RouterDeps): void {}
