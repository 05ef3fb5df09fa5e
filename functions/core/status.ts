/**
 * Which statuses are still pending. OneEntry statuses are free-form (each project configures
 * its own), so pending is a configured set and every other status counts as resolved.
 */
export class StatusModel {
  private readonly pending: ReadonlySet<string>;

  constructor(pendingStatuses: readonly string[] = ['waiting']) {
    if (pendingStatuses.length === 0) throw new RangeError('at least one pending status is needed');
    this.pending = new Set(pendingStatuses);
  }

  isPending(status: string): boolean {
    return this.pending.has(status);
  }

  isResolved(status: string): boolean {
    return !this.pending.has(status);
  }

  get pendingStatuses(): readonly string[] {
    return [...this.pending];
  }
}
