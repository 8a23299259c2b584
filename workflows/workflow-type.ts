import type { Workflow } from '@temporalio/common';

/** A workflow as its starters know it: its registered name, typed by the function (imported as a type only). */
export interface WorkflowType<W extends Workflow> {
  readonly name: string;
  /** Never set: carries the function's type so starts check their arguments. */
  readonly workflow?: W;
}

/**
 * Names a workflow exported by a module's workflow entry, given as `typeof import(...)` through an
 * `import type`: a misspelt name is a compile error, and the API never loads the workflow's code.
 */
export const workflowType =
  <M>() =>
  <N extends keyof M & string>(name: N): WorkflowType<M[N] extends Workflow ? M[N] : never> => ({ name });
