/** When an event's unclaimed season allocations are warned about and released. */
export interface ReleaseSchedule {
  warnAt: Date;
  releaseAt: Date;
}

/**
 * The warning goes `release_warning_hours` before the event, the release `unclaimed_release_hours`
 * before it; a warning set later than the release is sent with it, so a holder is always warned first.
 */
export function releaseSchedule(
  startsAt: Date,
  settings: { release_warning_hours: number; unclaimed_release_hours: number },
): ReleaseSchedule {
  const releaseAt = new Date(startsAt.getTime() - settings.unclaimed_release_hours * 3_600_000);
  const warnAt = new Date(
    Math.min(startsAt.getTime() - settings.release_warning_hours * 3_600_000, releaseAt.getTime()),
  );
  return { warnAt, releaseAt };
}

/**
 * General-admission seats have no identity, so a released season seat counts as sold again only
 * when every other seat of its ticket type is gone: released seats sell last. After a sale, with
 * `available` units still unsold and `unresold` released seats not yet credited, this many of the
 * oldest releases have sold.
 */
export function releasesResold(available: number, unresold: number): number {
  return Math.max(unresold - Math.max(available, 0), 0);
}

/** The holder's store credit for a released seat that sold at `priceMinor`: the tenant's percentage, rounded down. */
export function releaseCreditMinor(priceMinor: number, creditPercent: number): number {
  return Math.floor((priceMinor * Math.min(Math.max(creditPercent, 0), 100)) / 100);
}
