import {
  Client,
  Connection,
  WorkflowExecutionAlreadyStartedError,
  type WorkflowHandle,
  type WorkflowStartOptions,
} from '@temporalio/client';
import type { Workflow } from '@temporalio/common';
import type { WorkflowType } from '../workflows/workflow-type';

export async function createTemporalClient(address: string, namespace: string): Promise<Client> {
  const connection = await Connection.connect({ address });
  return new Client({ connection, namespace });
}

/** Starting an entity's workflow twice is success: the id names the entity, so the running one is the answer. */
export async function startIdempotent<T extends Workflow>(
  client: Client,
  workflow: WorkflowType<T>,
  options: WorkflowStartOptions<T>,
): Promise<WorkflowHandle<T>> {
  try {
    return await client.workflow.start<T>(workflow.name, options);
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return client.workflow.getHandle(options.workflowId);
    throw err;
  }
}
