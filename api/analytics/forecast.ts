import type { RouterDeps } from '../deps';

export function forecastRoutes(_deps: RouterDeps): void {}
