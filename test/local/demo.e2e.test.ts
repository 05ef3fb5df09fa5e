import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../../infra/local/dynamodb-local';
import {
  killGroup,
  type RunningRuntime,
  readEvents,
  startLocalRuntime,
  waitFor,
} from '../support/local-runtime';

let running: RunningRuntime | undefined;
const dataDir = mkdtempSync(join(tmpdir(), 'psw-demo-'));
afterEach(() => killGroup(running));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('npm start with no settings', () => {
  it('shows the demo orders resolving within a minute, and restores them on restart', async () => {
    const env = {
      PORT: String(await freePort()),
      DATA_DIR: dataDir,
      ONEENTRY_URL: '',
      WEBHOOK_SECRET: '',
    };
    running = await startLocalRuntime(env);
    expect(running.output()).toContain('built-in simulator, demo data');
    expect(running.output()).toMatch(/webhook secret whsec_\S+ \(generated/);

    const resolved = () =>
      readEvents(dataDir).filter((event) => event['detail-type'] === 'Payment Session Resolved');
    await waitFor(() => resolved().length >= 2, 60_000, running.output);
    expect(resolved().map((event) => event.detail.status)).toEqual(['completed', 'cancelled']);
    const published = readEvents(dataDir).length;
    expect(published).toBe(5); // three first observations, two resolutions

    running.child.kill('SIGTERM');
    expect(await running.exited).toBe(0);
    running = await startLocalRuntime(env);
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect(readEvents(dataDir)).toHaveLength(published); // the demo resumed: nothing new, nothing twice
    running.child.kill('SIGTERM');
    expect(await running.exited).toBe(0);
  }, 240_000);
});
