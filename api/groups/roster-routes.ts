import type { RouterDeps } from '../deps';
import { invitationRoutes } from './invitations';
import { leaderPageRoutes } from './leader-page';
import { rosterRoutes } from './roster';

/** The roster's routes: the leader's and tenant's management, members' invitation links, the leader dashboard. */
export function rosterAllRoutes(deps: RouterDeps): void {
  rosterRoutes(deps);
  invitationRoutes(deps);
  leaderPageRoutes(deps);
}
