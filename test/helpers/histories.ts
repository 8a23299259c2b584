import fs from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';

export const HISTORY_DIR = path.join(__dirname, '..', 'histories');

/**
 * With RECORD_HISTORIES=1, saves a finished workflow's history for the replay test. Histories are
 * committed: replaying them against today's code is what catches a determinism break.
 */
export async function recordHistory(temporal: Client, workflowId: string, name: string): Promise<void> {
  if (!process.env.RECORD_HISTORIES) return;
  const history = await temporal.workflow.getHandle(workflowId).fetchHistory();
  fs.mkdirSync(HISTORY_DIR, { recursive: true });
  fs.writeFileSync(path.join(HISTORY_DIR, `${name}.json`), historyToJSON(history));
}
