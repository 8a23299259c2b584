import type { RouterDeps } from '../deps';
import { deviceRoutes } from './devices';
import { gateRoutes } from './gates';
import { lookupRoutes } from './lookup';
import { scanRoutes } from './scans';
import { statsRoutes } from './stats';

/** The check-in module's API routes, registered in this order (it is the OpenAPI document's). */
export function checkinRoutes(deps: RouterDeps): void {
  gateRoutes(deps);
  deviceRoutes(deps);
  scanRoutes(deps);
  lookupRoutes(deps);
  statsRoutes(deps);
}
