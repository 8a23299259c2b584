import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import type { ModuleManifest } from './kit';

/**
 * The Temporal bundler takes one entry file; this writes one that re-exports every module's
 * workflows, so adding a module never means editing a shared list of workflows.
 */
export function workflowEntry(modules: readonly ModuleManifest[]): string {
  const lines = modules.flatMap((m) => (m.workflows ? [`export * from ${JSON.stringify(m.workflows)};`] : []));
  const source = `// Generated from the module manifests.\n${lines.join('\n')}\n`;
  const hash = createHash('sha256').update(source).digest('hex').slice(0, 16);
  // Inside the project, so the bundler resolves the Temporal SDK from the project's node_modules.
  const dir = path.resolve(__dirname, '../node_modules/.cache/usher');
  const file = path.join(dir, `workflows-${hash}.js`);
  if (!fs.existsSync(file)) {
    fs.mkdirSync(dir, { recursive: true });
    // Written aside and renamed, so a second worker starting at once never bundles half a file.
    fs.writeFileSync(`${file}.${process.pid}`, source);
    fs.renameSync(`${file}.${process.pid}`, file);
  }
  return file;
}
