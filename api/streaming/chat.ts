import type { RouterDeps } from '../deps';

export function chatRoutes(_deps: RouterDeps): void {}
