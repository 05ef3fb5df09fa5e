/**
 * Plays EventBridge Scheduler locally: invokes a scheduled function (the poller, discovery)
 * every interval from one start to the next (at once when one ran longer), one invocation at
 * a time (its lease would refuse an overlap anyway), and waits for the one in flight on stop.
 */
import type { CycleSummary } from '../../functions/core/tracker';

export interface PollLoopOptions<S> {
  intervalMs: number;
  invoke: () => Promise<S>;
  onSummary?: (summary: S) => void | Promise<void>;
  onError?: (error: unknown) => void;
}

export class PollLoop<S extends object = CycleSummary> {
  lastSummary: (S & { at: string }) | undefined;
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;
  private stopped = false;

  constructor(private readonly options: PollLoopOptions<S>) {}

  start(): void {
    this.tick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.inFlight;
  }

  private tick(): void {
    if (this.stopped) return;
    const startedAt = Date.now();
    this.inFlight = this.options
      .invoke()
      .then(async (summary) => {
        this.lastSummary = { ...summary, at: new Date().toISOString() };
        await this.options.onSummary?.(summary);
      })
      .catch((error: unknown) => this.options.onError?.(error))
      .finally(() => {
        this.inFlight = undefined;
        if (this.stopped) return;
        // Fixed rate, like Scheduler: a poll cycle with a fast lane lasts about one interval.
        const wait = Math.max(0, startedAt + this.options.intervalMs - Date.now());
        this.timer = setTimeout(() => this.tick(), wait);
      });
  }
}
