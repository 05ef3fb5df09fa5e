/**
 * The deployment's shared OneEntry sign-in over a test table and the simulator, as the
 * functions build it: one `SharedUserAuth` per simulated process, all on one credential item.
 */
import { randomUUID } from 'node:crypto';
import { OneEntryAuthApi } from '../../functions/core/oneentry/auth-api';
import { OneEntryClient } from '../../functions/core/oneentry/client';
import {
  type CredentialState,
  CredentialStore,
} from '../../functions/core/oneentry/credential-store';
import { fingerprintOf } from '../../functions/core/oneentry/device';
import {
  SharedUserAuth,
  type SharedUserAuthOptions,
} from '../../functions/core/oneentry/shared-auth';
import type { Simulator } from '../../infra/simulator/simulator';
import type { TestTable } from './dynamo';

export const newTestDeviceId = () => `test-${randomUUID()}`;

/**
 * What must show nowhere but in the credential item: the app token, the seed pair, the pair
 * stored now (a placeholder while none is) and the device's fingerprint.
 */
export const signInSecrets = (
  sim: Pick<Simulator, 'appToken'>,
  seed: { accessToken: string; refreshToken: string },
  stored: CredentialState | undefined,
  deviceId: string,
): string[] => [
  sim.appToken,
  seed.accessToken,
  seed.refreshToken,
  stored?.accessToken ?? 'missing',
  stored?.refreshToken ?? 'missing',
  fingerprintOf(deviceId),
];

/** A token pair issued to `deviceId`, as `npm run login` on that device would get. */
export const seedFor = (sim: Simulator, deviceId: string) =>
  sim.issueTokens(fingerprintOf(deviceId));

export function sharedAuth(
  sim: Pick<Simulator, 'url' | 'appToken'>,
  table: Pick<TestTable, 'client' | 'tableName'>,
  options: Partial<SharedUserAuthOptions> & { baseUrl?: string } = {},
): SharedUserAuth {
  const { baseUrl, ...rest } = options;
  return new SharedUserAuth({
    store: new CredentialStore(table.client, table.tableName),
    api: new OneEntryAuthApi({
      baseUrl: baseUrl ?? sim.url,
      appToken: sim.appToken,
      authProvider: 'email',
      fetch: globalThis.fetch,
      timeoutMs: 2000,
    }),
    leasePollMs: 10,
    ...rest,
  });
}

export function clientWith(sim: Pick<Simulator, 'url' | 'appToken'>, auth: SharedUserAuth) {
  return new OneEntryClient({
    baseUrl: sim.url,
    appToken: sim.appToken,
    auth,
    timeoutMs: 2000,
    baseDelayMs: 1,
    maxDelayMs: 5,
  });
}
