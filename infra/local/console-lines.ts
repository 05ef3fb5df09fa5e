/**
 * What `npm start` prints while it runs, one readable line per thing a person wants to see: an
 * event published, a webhook received, a poll cycle that changed something or failed, and a
 * heartbeat while nothing changes, so a quiet console still shows it is alive.
 */
import type { APIGatewayProxyResultV2 } from 'aws-lambda';
import type { CycleSummary } from '../../functions/core/tracker';
import type { HealthCheck } from './health';
import type { DeliveredEvent } from './put-events';

/** `08:12:19`: the wall-clock time a line is about. */
export const clock = (at: Date = new Date()) => at.toISOString().slice(11, 19);

export function describeEvent(event: DeliveredEvent): string {
  const detail = event.detail as {
    orderId?: number;
    sessionId?: number | null;
    previousStatus?: string | null;
    status?: string | null;
  };
  const change =
    detail.sessionId === null || detail.sessionId === undefined
      ? ''
      : ` session ${detail.sessionId}: ${detail.previousStatus ?? '(new)'} -> ${detail.status}`;
  return `event    ${event['detail-type']}  order ${detail.orderId}${change}`;
}

/** One line per webhook answered: when, which order, what came of it. */
export function describeWebhook(result: APIGatewayProxyResultV2, at: Date = new Date()): string {
  const status = typeof result === 'object' && result ? (result.statusCode ?? 200) : 200;
  let body: Record<string, unknown> = {};
  try {
    const text = typeof result === 'object' && result ? result.body : result;
    body = JSON.parse(String(text ?? '{}')) as Record<string, unknown>;
  } catch {
    // not JSON: the status alone says enough
  }
  const order = typeof body.orderId === 'number' ? `order ${body.orderId}:` : undefined;
  const outcome =
    status < 300
      ? [body.tracking ? 'tracking' : undefined, body.checked ? 'checked now' : undefined]
          .filter(Boolean)
          .join(', ')
      : String(body.title ?? body.detail ?? '');
  return [clock(at), 'webhook ', order, String(status), outcome].filter(Boolean).join(' ');
}

export interface PollReporterOptions {
  log: (line: string) => void;
  /** OneEntry's URL, named when it cannot be reached. */
  oneEntryUrl: string;
  /** Whether OneEntry answers at all, asked only when a cycle had upstream failures. */
  oneEntryReachable: HealthCheck;
  /** The sign-in's state, named when a cycle was skipped for it. */
  auth?: HealthCheck;
  /** Longest quiet stretch before a heartbeat line, in ms. Default 60000. */
  heartbeatMs?: number;
  now?: () => number;
}

/** Turns each poll cycle's summary into at most a line or two. */
export class PollReporter {
  private quietCycles = 0;
  private lastLineAt: number;
  private lastStatus: CycleSummary['status'] | undefined;
  private readonly now: () => number;
  private readonly heartbeatMs: number;

  constructor(private readonly options: PollReporterOptions) {
    this.now = options.now ?? Date.now;
    this.heartbeatMs = options.heartbeatMs ?? 60_000;
    this.lastLineAt = this.now();
  }

  async report(summary: CycleSummary): Promise<void> {
    const { log } = this.options;
    const at = this.now();
    if (summary.status === 'not-configured' || summary.status === 'auth-failing') {
      // Said when it starts, then at the heartbeat's pace: it stays so until someone acts.
      if (summary.status !== this.lastStatus || at - this.lastLineAt >= this.heartbeatMs) {
        const state = await this.options.auth?.().catch(() => undefined);
        log(
          `${clock(new Date(at))} warn     OneEntry sign-in ${summary.status}${state?.reason ? `: ${state.reason}` : ''}; nothing is checked`,
        );
        this.lastLineAt = at;
      }
      this.lastStatus = summary.status;
      return;
    }
    this.lastStatus = summary.status;
    if (summary.transitions > 0 || summary.errors > 0 || summary.expired > 0) {
      this.quietCycles = 0;
      this.lastLineAt = at;
      log(
        `poll     checked ${summary.checked}, changed ${summary.changed}, resolved ${summary.resolved}, errors ${summary.errors} (${summary.durationMs} ms)`,
      );
      if (summary.upstreamFailures > 0) log(await this.upstreamWarning(summary, at));
      return;
    }
    this.quietCycles++;
    if (at - this.lastLineAt >= this.heartbeatMs) {
      log(
        `${clock(new Date(at))} alive    ${summary.tracked} order(s) tracked, no change in the last ${this.quietCycles} cycle(s)`,
      );
      this.quietCycles = 0;
      this.lastLineAt = at;
    }
  }

  private async upstreamWarning(summary: CycleSummary, at: number): Promise<string> {
    const reachable = await this.options.oneEntryReachable().catch((error: unknown) => ({
      status: 'failing' as const,
      reason: String(error),
    }));
    const failed = `${summary.upstreamFailures} OneEntry call(s) failed this cycle`;
    return reachable.status === 'ok'
      ? `${clock(new Date(at))} warn     ${failed}; OneEntry answers at ${this.options.oneEntryUrl}, so look at its answers (POWERTOOLS_LOG_LEVEL=WARN shows each)`
      : `${clock(new Date(at))} warn     ONEENTRY_URL ${reachable.reason}: ${failed}; check the URL and that the project is up`;
  }
}

/**
 * An error line per part (`publisher: …`), said once while it repeats: a part that fails every
 * half second (DynamoDB Local gone) fills no screen. The count follows when something else does.
 */
export function errorLines(log: (line: string) => void, part: string): (error: unknown) => void {
  let last: string | undefined;
  let repeats = 0;
  return (error) => {
    const message = error instanceof Error ? error.message : String(error);
    if (message === last) {
      repeats++;
      return;
    }
    if (repeats > 0) log(`${part}: (the line above repeated ${repeats} more time(s))`);
    last = message;
    repeats = 0;
    log(`${part}: ${message}`);
  };
}
