import { describe, expect, it } from 'vitest';
import { type CycleSummary, emptyCycleSummary } from '../../functions/core/tracker';
import { describeWebhook, errorLines, PollReporter } from '../../infra/local/console-lines';
import { freePort } from '../../infra/local/dynamodb-local';
import { reachableCheck } from '../../infra/local/health';
import { startSimulator } from '../../infra/simulator/simulator';

const quiet: CycleSummary = {
  ...emptyCycleSummary('completed'),
  tracked: 3,
  due: 3,
  checked: 3,
  unchanged: 3,
  upstreamCalls: 3,
  durationMs: 12,
};
const failing: CycleSummary = { ...quiet, unchanged: 0, errors: 3, upstreamFailures: 3 };

function reporterAt(url: string, heartbeatMs = 60_000) {
  const lines: string[] = [];
  let now = Date.parse('2025-05-01T08:00:00Z');
  const reporter = new PollReporter({
    log: (line) => lines.push(line),
    oneEntryUrl: url,
    oneEntryReachable: reachableCheck(url),
    heartbeatMs,
    now: () => now,
  });
  return { lines, reporter, advance: (ms: number) => (now += ms) };
}

describe('the console while npm start runs', () => {
  it('prints a heartbeat once a minute while cycles change nothing, and nothing more', async () => {
    const { lines, reporter, advance } = reporterAt('http://127.0.0.1:1');
    for (let cycle = 0; cycle < 12; cycle++) {
      advance(10_000);
      await reporter.report(quiet);
    }
    expect(lines).toEqual([
      '08:01:00 alive    3 order(s) tracked, no change in the last 6 cycle(s)',
      '08:02:00 alive    3 order(s) tracked, no change in the last 6 cycle(s)',
    ]);
  });

  it('names an unreachable ONEENTRY_URL in one warning line per cycle', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const { lines, reporter } = reporterAt(url);
    await reporter.report(failing);
    await reporter.report(failing);
    const warnings = lines.filter((line) => line.includes('warn'));
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toContain(`ONEENTRY_URL ${url} is unreachable (ECONNREFUSED)`);
    expect(warnings[0]).toContain('3 OneEntry call(s) failed this cycle');
  });

  it('says OneEntry answers when its calls fail for another reason', async () => {
    const sim = await startSimulator();
    try {
      const { lines, reporter } = reporterAt(sim.url);
      await reporter.report(failing);
      expect(lines.filter((line) => line.includes('warn'))).toEqual([
        expect.stringContaining(`OneEntry answers at ${sim.url}`),
      ]);
    } finally {
      await sim.close();
    }
  });

  it('says a skipped cycle’s sign-in problem when it starts, then once a minute', async () => {
    const lines: string[] = [];
    let now = Date.parse('2025-05-01T08:00:00Z');
    const reporter = new PollReporter({
      log: (line) => lines.push(line),
      oneEntryUrl: 'http://127.0.0.1:1',
      oneEntryReachable: async () => ({ status: 'ok' }),
      auth: async () => ({ status: 'not-configured', reason: 'run npm run login' }),
      now: () => now,
    });
    const skipped: CycleSummary = { ...quiet, status: 'not-configured', tracked: 0 };
    for (let cycle = 0; cycle < 7; cycle++) {
      now += 10_000;
      await reporter.report(skipped);
    }
    expect(lines).toEqual([
      '08:00:10 warn     OneEntry sign-in not-configured: run npm run login; nothing is checked',
      '08:01:10 warn     OneEntry sign-in not-configured: run npm run login; nothing is checked',
    ]);
  });

  it('shows each webhook with its time, order and outcome', () => {
    const at = new Date('2025-05-01T08:12:19Z');
    expect(
      describeWebhook(
        { statusCode: 202, body: '{"orderId":1234,"tracking":true,"checked":true}' },
        at,
      ),
    ).toBe('08:12:19 webhook  order 1234: 202 tracking, checked now');
    expect(
      describeWebhook({ statusCode: 401, body: '{"title":"Invalid signature","status":401}' }, at),
    ).toBe('08:12:19 webhook  401 Invalid signature');
  });

  it('says a repeating error once, and how often it repeated when another comes', () => {
    const lines: string[] = [];
    const report = errorLines((line) => lines.push(line), 'publisher');
    for (let i = 0; i < 5; i++) report(new Error('connect ECONNREFUSED 127.0.0.1:8000'));
    report(new Error('other'));
    expect(lines).toEqual([
      'publisher: connect ECONNREFUSED 127.0.0.1:8000',
      'publisher: (the line above repeated 4 more time(s))',
      'publisher: other',
    ]);
  });
});
