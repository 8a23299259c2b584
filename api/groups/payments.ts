import type { RouterDeps } from '../deps';

export function paymentsRoutes(_deps: RouterDeps): void {}
