import fs from 'node:fs';
import { groupBy } from '../lib/group-by';
import { procStat } from '../scripts/stack/processes';

const TICKS_PER_S = 100;

/**
 * CPU seconds a process tree has used so far (Linux only): the root, its living descendants and
 * the children they reaped, so a benchmark can say what each of its processes costs per operation.
 */
export function treeCpuSeconds(rootPid: number): number {
  const stats = fs
    .readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .flatMap((d) => {
      const stat = procStat(Number(d));
      return stat ? [{ pid: Number(d), ...stat }] : [];
    });
  const children = groupBy(stats, (s) => s.ppid);
  let ticks = 0;
  const stack = stats.filter((s) => s.pid === rootPid);
  for (let s = stack.pop(); s; s = stack.pop()) {
    ticks += s.ticks;
    stack.push(...(children.get(s.pid) ?? []));
  }
  return ticks / TICKS_PER_S;
}
