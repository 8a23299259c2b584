/** A package's seat scope: two packages of the same series or category and season window share their seats. */
export function seatScopeKey(pkg: {
  type: string;
  series_tag: string | null;
  category: string | null;
  season_starts_at: Date;
  season_ends_at: Date;
}): string {
  const what = pkg.type === 'category' ? `category:${pkg.category ?? ''}` : `series:${pkg.series_tag ?? '*'}`;
  return `${what}|${pkg.season_starts_at.toISOString()}|${pkg.season_ends_at.toISOString()}`;
}

/** How a ticket shows a season seat: the row and seat in the ticket's `seat` text, the section in its own. */
export const seatLabel = (row: string, seat: string): string => `Row ${row}, Seat ${seat}`;

/** Seats are compared as printed on the plan, without surrounding spaces and case-insensitively. */
export const normaliseSeatPart = (part: string): string => part.trim().toUpperCase();
