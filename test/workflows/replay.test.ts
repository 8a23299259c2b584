import fs from 'node:fs';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { modules } from '../../modules';
import { HISTORY_DIR } from '../helpers/histories';
import { quietTemporalRuntime } from '../helpers/harness';
import { testEnv } from '../stack-env';

const files = fs.readdirSync(HISTORY_DIR).filter((f) => f.endsWith('.json'));

describe('workflow replay', () => {
  it('has a recorded history for every workflow type', async () => {
    const recorded = new Set(
      files.map(
        (f) =>
          JSON.parse(fs.readFileSync(path.join(HISTORY_DIR, f), 'utf8')).events[0]
            .workflowExecutionStartedEventAttributes.workflowType.name,
      ),
    );
    const workflows = (
      await Promise.all(modules.map(async (m) => (m.workflows ? Object.keys(await import(m.workflows)) : [])))
    ).flat();
    expect(workflows.length).toBeGreaterThan(0);
    expect(workflows.filter((w) => !recorded.has(w))).toEqual([]);
  });

  it('replays every committed history against the current workflow code without a determinism error', async () => {
    async function* histories() {
      for (const file of files) {
        yield {
          workflowId: file,
          history: JSON.parse(fs.readFileSync(path.join(HISTORY_DIR, file), 'utf8')) as unknown,
        };
      }
    }
    quietTemporalRuntime();
    const failures: string[] = [];
    let replayed = 0;
    for await (const result of Worker.runReplayHistories(
      { workflowBundle: { codePath: testEnv('workflowBundle') } },
      histories(),
    )) {
      replayed++;
      if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
    }
    expect(failures).toEqual([]);
    expect(replayed).toBe(files.length);
  });
});
