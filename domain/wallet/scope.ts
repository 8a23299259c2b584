/** Which passes an update reaches: every ticket of an event, or some of its tickets. */
export interface PassScope {
  eventId: number;
  ticketIds?: number[];
}

/** A batch of a fan-out: the rows with ids in (afterId, untilId]. */
export interface IdRange {
  afterId: number;
  untilId: number;
}
