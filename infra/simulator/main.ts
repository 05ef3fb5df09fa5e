/**
 * `npm run simulator`: the simulator with demo data, for running the product locally.
 * Prints one JSON line on stdout when ready (url, app token, a service user's login and
 * password, a token pair, demo order ids) so a script can read it; request logs go to stderr.
 * Port: `SIMULATOR_PORT` (default 0, free). Access-token lifetime: `SIMULATOR_ACCESS_TOKEN_TTL_SECONDS`
 * (default 900). The token pair is bound to `ONEENTRY_DEVICE_ID` when set, else to another device.
 */
import { randomBytes } from 'node:crypto';
import { fingerprintOf } from '../../functions/core/oneentry/device';
import { seedDemo } from './demo';
import { startSimulator } from './simulator';

function portFromEnv(value: string | undefined): number {
  if (value === undefined || value.trim() === '') return 0;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new RangeError(
      `SIMULATOR_PORT must be an integer from 0 to 65535, got ${JSON.stringify(value)}`,
    );
  }
  return port;
}

function msFromSecondsEnv(name: string): number | undefined {
  const value = process.env[name];
  if (value === undefined || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (!(seconds > 0)) throw new RangeError(`${name} must be a positive number of seconds`);
  return seconds * 1000;
}

async function main(): Promise<void> {
  const sim = await startSimulator({
    port: portFromEnv(process.env.SIMULATOR_PORT),
    accessTokenTtlMs: msFromSecondsEnv('SIMULATOR_ACCESS_TOKEN_TTL_SECONDS'),
    logRequests: true,
  });
  const demo = seedDemo(sim);
  const login = 'watcher@example.test';
  const password = randomBytes(12).toString('base64url');
  sim.addUser(login, password);
  const deviceId = process.env.ONEENTRY_DEVICE_ID?.trim();
  const { accessToken, refreshToken } = sim.issueTokens(
    deviceId ? fingerprintOf(deviceId) : undefined,
  );
  const ready = {
    url: sim.url,
    appToken: sim.appToken,
    login,
    password,
    accessToken,
    refreshToken,
    orderIds: demo.orderIds,
  };
  process.stdout.write(`${JSON.stringify(ready)}\n`);

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`[simulator] ${signal}: stopping\n`);
    demo.stop();
    sim.close().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`[simulator] close failed: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(
    `[simulator] failed to start: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
