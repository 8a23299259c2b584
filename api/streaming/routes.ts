import type { RouterDeps } from '../deps';
import { chatRoutes } from './chat';
import { streamsRoutes } from './streams';

/** Every streaming route, under `/api/streaming/`. */
export function streamingRoutes(deps: RouterDeps): void {
  streamsRoutes(deps);
  chatRoutes(deps);
}
