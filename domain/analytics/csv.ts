/**
 * RFC 4180 CSV of flat rows: every row's own keys in the first row's order, quoted where needed.
 * Text starting with = + - @ (and tab or carriage return) is prefixed with an apostrophe so a
 * spreadsheet never runs a name an attacker chose (CSV injection); numbers are left as they are.
 */
export function toCsv(list: readonly object[], columns?: readonly string[]): string {
  const rows = list as readonly Record<string, unknown>[];
  const cols = columns ?? [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const cell = (v: unknown): string => {
    if (v === null || v === undefined) return '';
    let s = v instanceof Date ? v.toISOString() : typeof v === 'object' ? JSON.stringify(v) : String(v);
    if (typeof v === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return [cols.join(','), ...rows.map((r) => cols.map((c) => cell(r[c])).join(','))].join('\r\n') + '\r\n';
}

/** A share as a fraction rounded to 4 places, or null when the base is zero. */
export const rate = (part: number, whole: number): number | null =>
  whole > 0 ? Math.round((part / whole) * 10_000) / 10_000 : null;
