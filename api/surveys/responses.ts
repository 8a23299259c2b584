import type { RouterDeps } from '../deps';

export function responsesRoutes(_deps: RouterDeps): void {}
