/**
 * Group commit for request handlers: items submitted while `maxInFlight` batches are running
 * queue up, and the next free slot takes up to `maxBatch` of them at once. A lone item runs
 * straight away; a flood costs one batch (one transaction, a few statements) per slot.
 */
export class GroupCommit<T, R> {
  private queue: { item: T; resolve(r: R): void; reject(e: unknown): void }[] = [];
  private inFlight = 0;

  constructor(
    private readonly run: (items: T[]) => Promise<R[]>,
    private readonly opts: { maxBatch: number; maxInFlight: number },
  ) {}

  submit(item: T): Promise<R> {
    return new Promise((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.queue.length && this.inFlight < this.opts.maxInFlight) {
      const batch = this.queue.splice(0, this.opts.maxBatch);
      this.inFlight += 1;
      this.run(batch.map((p) => p.item))
        .then(
          (results) => batch.forEach((p, i) => p.resolve(results[i])),
          (err: unknown) => batch.forEach((p) => p.reject(err)),
        )
        .finally(() => {
          this.inFlight -= 1;
          this.pump();
        });
    }
  }
}
