/**
 * `npm run bench:latency`: how long a payment that completes waits for its event, end to end
 * through `npm start` (its entry point as a child process: DynamoDB Local, the HTTP API and
 * webhook, the poll loop playing Scheduler, the stream tailer running the publisher, the
 * event sink), against the simulator in this process with a fixed upstream latency.
 *
 * Payments arrive at random moments (each announced through the signed webhook, whose
 * immediate check records `waiting`) and complete at a random age; the delay is measured
 * from the simulator's flip to the event appearing in the sink's `events.jsonl` (read every
 * 100 ms). One run per setting, one after the other: 60 s cycles without the fast lane (the
 * AWS default), then with `FAST_POLL_SECONDS=10`. Prints one JSON object on stdout:
 *
 *   npm run bench:latency [-- --quick] [--sessions 200] [--latency 100]
 *
 * `upstreamCallsPerResolved` counts every by-order call the simulator answered during the run
 * (the webhook's check included) per resolved session; `pollerAvgMs` is the mean duration of
 * the poll invocations seen on `/health` (what Lambda bills the poller for).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { freePort } from '../../infra/local/dynamodb-local';
import { sendSignedWebhook } from '../../infra/local/webhook-client';
import { startSimulator } from '../../infra/simulator/simulator';
import {
  killGroup,
  readEvents,
  simulatorEnv,
  startLocalRuntime,
  waitFor,
} from '../support/local-runtime';
import { type Flip, flipLatencies, type SeenEvent, summarizeLatencies } from './latency-stats';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    sessions: { type: 'string' },
    latency: { type: 'string', default: '100' },
  },
});
const quick = values.quick;
/** Payments per run; they arrive over `arrivalWindowMs` and complete `flipAfterMs` later. */
const sessions = Number(values.sessions ?? (quick ? 40 : 200));
const arrivalWindowMs = quick ? 60_000 : 180_000;
const flipAfterMs = { min: 5_000, max: quick ? 60_000 : 120_000 };
const upstreamLatencyMs = Number(values.latency);
const CYCLE_SECONDS = 60;
const SECRET = `whsec_${Buffer.from('bench-latency-webhook-secret-32b').toString('base64')}`;

const progress = (message: string) => process.stderr.write(`[bench:latency] ${message}\n`);
const between = (min: number, max: number) => min + Math.random() * (max - min);

interface RunResult {
  cycleSeconds: number;
  fastPollSeconds: number;
  sessions: number;
  resolved: number;
  missing: number;
  p50Ms: number | null;
  p95Ms: number | null;
  maxMs: number | null;
  upstreamCallsPerResolved: number | null;
  pollerInvocations: number;
  pollerAvgMs: number | null;
  /** Mean answer time of the webhook (its immediate check included), as the sender saw it. */
  webhookAvgMs: number;
  /** Events in the sink per payment (its first observation and its resolution). */
  eventsPerSession: number;
  upstreamLatencyMs: number;
}

async function run(fastPollSeconds: number): Promise<RunResult> {
  const sim = await startSimulator();
  const dataDir = mkdtempSync(join(tmpdir(), 'psw-latency-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let runtime: Awaited<ReturnType<typeof startLocalRuntime>> | undefined;
  // Ends the watchers and the payments still to play, however the run ends.
  const ended = new AbortController();
  const { signal } = ended;
  try {
    runtime = await startLocalRuntime({
      PORT: String(port),
      DATA_DIR: dataDir,
      POLL_INTERVAL_SECONDS: String(CYCLE_SECONDS),
      FAST_POLL_SECONDS: String(fastPollSeconds),
      DISCOVERY_INTERVAL_SECONDS: '0',
      POWERTOOLS_LOG_LEVEL: 'ERROR',
      ...simulatorEnv(sim),
      WEBHOOK_SECRET: SECRET,
    });
    sim.setFault('global', { latencyMs: upstreamLatencyMs });
    const callsBefore = sim.stats().sessionRequests;
    const flips: Flip[] = [];
    const seen: SeenEvent[] = [];
    const pollDurations = new Map<string, number>();
    const webhookMs: number[] = [];

    // The sink's file, read every 100 ms: an event's time is when it was first read there.
    const watchEvents = (async () => {
      let known = 0;
      while (!signal.aborted) {
        const events = readEvents(dataDir);
        const at = Date.now();
        for (const event of events.slice(known)) {
          seen.push({ sessionId: event.detail.sessionId, status: event.detail.status, seenAt: at });
        }
        known = events.length;
        await delay(100);
      }
    })();
    // Each poll invocation's summary, as /health shows the last one (503s included: a slow
    // DynamoDB Local check on a loaded machine still carries the last poll).
    const watchPolls = (async () => {
      while (!signal.aborted) {
        const health = (await (await fetch(`${url}/health`)).json()) as {
          lastPoll?: { at: string; durationMs: number } | null;
        };
        if (health.lastPoll) pollDurations.set(health.lastPoll.at, health.lastPoll.durationMs);
        await delay(2_000);
      }
    })();
    // A watcher that fails ends the run at once, not after every payment was played.
    const failed = Promise.race([watchEvents, watchPolls]).then(() => undefined);

    progress(
      `fastPollSeconds ${fastPollSeconds}: ${sessions} payments over ${arrivalWindowMs / 1000} s`,
    );
    const payments = Array.from({ length: sessions }, async () => {
      await delay(between(0, arrivalWindowMs), undefined, { signal });
      const orderId = sim.createOrder();
      const session = sim.createSession(orderId, { status: 'waiting', amount: 10 });
      const sentAt = performance.now();
      const answer = await sendSignedWebhook({ url, secret: SECRET, orderId });
      webhookMs.push(performance.now() - sentAt);
      if (answer.status !== 202) throw new Error(`webhook answered ${answer.status}`);
      await delay(between(flipAfterMs.min, flipAfterMs.max), undefined, { signal });
      sim.setStatus(session.id, 'completed');
      flips.push({ sessionId: session.id, status: 'completed', flippedAt: Date.now() });
    });
    await Promise.race([
      Promise.all(payments),
      failed.then(() => Promise.reject(new Error('a watcher stopped early'))),
    ]);
    progress('every payment completed; waiting for their events');
    const answered = () => flipLatencies(flips, seen).latenciesMs.length === flips.length;
    // Without the fast lane an event may wait a whole cycle, plus a slow cycle's own time.
    await waitFor(answered, 2 * CYCLE_SECONDS * 1000 + 30_000).catch(() => undefined);
    // The last cycle's summary reaches /health at its end; with the fast lane, about a cycle.
    await delay(CYCLE_SECONDS * 1000);
    ended.abort();
    await Promise.all([watchEvents, watchPolls]);

    const calls = sim.stats().sessionRequests - callsBefore;
    const { latenciesMs, missing } = flipLatencies(flips, seen);
    const durations = [...pollDurations.values()];
    const mean = (values: number[]) =>
      values.length > 0
        ? Math.round(values.reduce((sum, ms) => sum + ms, 0) / values.length)
        : null;
    return {
      cycleSeconds: CYCLE_SECONDS,
      fastPollSeconds,
      sessions,
      resolved: latenciesMs.length,
      missing,
      ...summarizeLatencies(latenciesMs),
      upstreamCallsPerResolved:
        latenciesMs.length > 0 ? Math.round((calls / latenciesMs.length) * 100) / 100 : null,
      pollerInvocations: durations.length,
      pollerAvgMs: mean(durations),
      webhookAvgMs: mean(webhookMs) ?? 0,
      eventsPerSession: Math.round((seen.length / sessions) * 100) / 100,
      upstreamLatencyMs,
    };
  } catch (error) {
    // What npm start said is the only clue to why it stopped answering.
    progress(`npm start output:\n${runtime?.output().slice(-4_000) ?? '(not started)'}`);
    throw error;
  } finally {
    ended.abort();
    if (runtime) {
      runtime.child.kill('SIGTERM');
      await Promise.race([runtime.exited, delay(25_000)]);
      killGroup(runtime);
    }
    await sim.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const runs: RunResult[] = [];
/** A run whose npm start stopped under it (a machine shared with other test runs) is played again. */
const ATTEMPTS = 3;
for (const fastPollSeconds of [0, 10]) {
  for (let attempt = 1; ; attempt++) {
    try {
      runs.push(await run(fastPollSeconds));
      break;
    } catch (error) {
      if (attempt === ATTEMPTS) throw error;
      progress(`attempt ${attempt} failed (${String(error)}); playing the run again`);
    }
  }
  progress(JSON.stringify(runs.at(-1)));
}
process.stdout.write(`${JSON.stringify({ runs })}\n`);
