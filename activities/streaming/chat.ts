import type { WorkerDeps } from '../deps';
import type { Trigger } from '../platform/triggers';

export function createChatActivities(_deps: WorkerDeps) {
  return {};
}

export function chatTriggers(_deps: WorkerDeps): Trigger[] {
  return [];
}
