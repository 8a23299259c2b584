import type { RouterDeps } from '../deps';

export function purchasesRoutes(_deps: RouterDeps): void {}
