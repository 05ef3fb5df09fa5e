/**
 * Plays EventBridge Scheduler locally: invokes the poller every interval, one invocation at a
 * time (the lease would refuse an overlap anyway), and waits for the one in flight on stop.
 */
import type { CycleSummary } from '../../functions/core/tracker';

export interface PollLoopOptions {
  intervalMs: number;
  invoke: () => Promise<CycleSummary>;
  onSummary?: (summary: CycleSummary) => void | Promise<void>;
  onError?: (error: unknown) => void;
}

export class PollLoop {
  lastSummary: (CycleSummary & { at: string }) | undefined;
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;
  private stopped = false;

  constructor(private readonly options: PollLoopOptions) {}

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
    this.inFlight = this.options
      .invoke()
      .then(async (summary) => {
        this.lastSummary = { ...summary, at: new Date().toISOString() };
        await this.options.onSummary?.(summary);
      })
      .catch((error: unknown) => this.options.onError?.(error))
      .finally(() => {
        this.inFlight = undefined;
        if (!this.stopped) this.timer = setTimeout(() => this.tick(), this.options.intervalMs);
      });
  }
}
