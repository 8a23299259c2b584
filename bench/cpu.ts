import fs from 'node:fs';
import { groupBy } from '../lib/group-by';

const TICKS_PER_S = 100;

interface Stat { pid: number; ppid: number; ticks: number }

/** utime + stime of the process and of its reaped children (cutime + cstime), from /proc/<pid>/stat. */
function statOf(pid: number): Stat | undefined {
  try {
    const text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so fields count from the last ')'.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    const [utime, stime, cutime, cstime] = fields.slice(11, 15).map(Number);
    return { pid, ppid: Number(fields[1]), ticks: utime + stime + cutime + cstime };
  } catch {
    return undefined;
  }
}

/**
 * CPU seconds a process tree has used so far (Linux only): the root, its living descendants and
 * the children they reaped, so a benchmark can say what each of its processes costs per operation.
 */
export function treeCpuSeconds(rootPid: number): number {
  const stats = fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map((d) => statOf(Number(d))).filter((s): s is Stat => s !== undefined);
  const children = groupBy(stats, (s) => s.ppid);
  let ticks = 0;
  const stack = stats.filter((s) => s.pid === rootPid);
  for (let s = stack.pop(); s; s = stack.pop()) {
    ticks += s.ticks;
    stack.push(...(children.get(s.pid) ?? []));
  }
  return ticks / TICKS_PER_S;
}
