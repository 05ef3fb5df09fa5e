import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CredentialStore } from '../../functions/core/oneentry/credential-store';
import { fingerprintOf } from '../../functions/core/oneentry/device';
import {
  OneEntryAuthError,
  OneEntryNotConfiguredError,
} from '../../functions/core/oneentry/errors';
import { freePort } from '../../infra/local/dynamodb-local';
import {
  SIMULATOR_PROVIDER_MARKER,
  type Simulator,
  startSimulator,
} from '../../infra/simulator/simulator';
import { clientWith, newTestDeviceId, seedFor, sharedAuth } from '../support/auth';
import { createTestTable, type TestTable } from '../support/dynamo';

const USER = { login: 'watcher@example.test', password: 'correct horse battery staple' };
const FIELDS = { login: 'login', password: 'password' };
const serviceUser = { ...USER, fields: FIELDS };

let sim: Simulator;
let table: TestTable;

beforeAll(async () => {
  sim = await startSimulator();
  sim.addUser(USER.login, USER.password);
});
afterAll(() => sim.close());
beforeEach(async () => {
  table = await createTestTable('auth');
  sim.resetStats();
});
afterEach(() => table.drop());

const order = () => {
  const orderId = sim.createOrder();
  sim.createSession(orderId);
  return orderId;
};
const credentials = () => new CredentialStore(table.client, table.tableName).read();

/** What a refresher that died after OneEntry's answer leaves behind: a spent token and a lease. */
async function crashMidRefresh(leaseMs: number): Promise<void> {
  const store = new CredentialStore(table.client, table.tableName);
  const state = await store.read();
  if (!state?.refreshToken) throw new Error('no refresh token to spend');
  await store.update(
    state.version,
    { leaseOwner: 'dead-container', leaseUntil: Date.now() + leaseMs, refreshTokenSpent: true },
    Date.now(),
  );
  const response = await fetch(
    `${sim.url}/api/content/users-auth-providers/marker/${SIMULATOR_PROVIDER_MARKER}/users/refresh`,
    {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-app-token': sim.appToken,
        'x-device-metadata': JSON.stringify({ fingerprint: fingerprintOf(state.deviceId) }),
      },
      body: JSON.stringify({ refreshToken: state.refreshToken }),
    },
  );
  expect(response.status).toBe(200); // OneEntry answered; the answer died with the container
}

describe('shared OneEntry sign-in', () => {
  it('signs a service user in once for every process of the deployment', async () => {
    const processes = Array.from({ length: 4 }, () => sharedAuth(sim, table, { serviceUser }));
    const orderId = order();
    const answers = await Promise.all(
      processes.map((auth) => clientWith(sim, auth).getSessionsByOrderId(orderId)),
    );
    expect(answers.every((sessions) => sessions.length === 1)).toBe(true);
    expect(sim.stats()).toMatchObject({ signIns: 1, refreshes: 0 });
    const state = await credentials();
    expect(state).toMatchObject({ status: 'ok' });
    expect(state?.leaseOwner).toBeUndefined();
  });

  it('keeps one device for the deployment, made once and bound to every token', async () => {
    await sharedAuth(sim, table, { serviceUser }).accessToken();
    const { deviceId } = (await credentials()) ?? {};
    await sharedAuth(sim, table, { serviceUser }).accessToken();
    expect((await credentials())?.deviceId).toBe(deviceId);
    // The stored refresh token works only from that device.
    sim.expireAccessTokens();
    await clientWith(sim, sharedAuth(sim, table, { serviceUser })).getSessionsByOrderId(order());
    expect(sim.stats()).toMatchObject({ signIns: 1, refreshes: 1 });
    expect(sim.stats().refreshesRefused['other-device']).toBe(0);
  });

  it('renews once per expiry across 8 clients over 200 expirations, never presenting a refresh token twice', {
    // About 20 s on an idle 2-core machine; the margin is for a machine shared with other runs.
    timeout: 300_000,
  }, async () => {
    const deviceId = newTestDeviceId();
    const seed = seedFor(sim, deviceId);
    // Each client keeps what it read of the state, as deployed: an expiry reaches all 8 as a 401.
    const clients = Array.from({ length: 8 }, () =>
      clientWith(sim, sharedAuth(sim, table, { seed, deviceId })),
    );
    const orderId = order();
    for (let expiry = 0; expiry < 200; expiry++) {
      sim.expireAccessTokens();
      const answers = await Promise.all(
        clients.map((client) => client.getSessionsByOrderId(orderId)),
      );
      expect(answers.every((sessions) => sessions.length === 1)).toBe(true);
    }
    const stats = sim.stats();
    expect(stats.refreshes).toBe(200);
    expect(stats.refreshesRefused).toEqual({
      unknown: 0,
      spent: 0,
      expired: 0,
      'other-device': 0,
    });
    expect(stats.signIns).toBe(0);
  });

  it('hands a write that lost a race the state that beat it', async () => {
    const store = new CredentialStore(table.client, table.tableName);
    const created = await store.create('device-a', Date.now());
    const lease = (owner: string) =>
      store.update(
        created.version,
        { leaseOwner: owner, leaseUntil: Date.now() + 1000 },
        Date.now(),
      );
    const won = await lease('a');
    expect(won).toMatchObject({ written: true, state: { leaseOwner: 'a' } });
    expect(await lease('b')).toEqual({ written: false, state: won.state });
    // Creating it again is a lost race too: the state that exists comes back.
    expect(await store.create('device-b', Date.now())).toEqual(won.state);
  });

  it('signs in again after a refresher died holding a spent token, and never presents it', async () => {
    const auth = sharedAuth(sim, table, { serviceUser });
    await auth.accessToken();
    await crashMidRefresh(100);
    sim.resetStats();
    sim.expireAccessTokens();
    await new Promise((resolve) => setTimeout(resolve, 150)); // the dead lease lapses
    const next = sharedAuth(sim, table, { serviceUser });
    expect(await clientWith(sim, next).getSessionsByOrderId(order())).toHaveLength(1);
    expect(sim.stats()).toMatchObject({ signIns: 1, refreshes: 0 });
  });

  it('reports failing, without looping on OneEntry, when a seed-only deployment lost its token', async () => {
    const deviceId = newTestDeviceId();
    const auth = sharedAuth(sim, table, { seed: seedFor(sim, deviceId), deviceId });
    await auth.accessToken();
    await crashMidRefresh(50);
    await new Promise((resolve) => setTimeout(resolve, 100));
    sim.resetStats();
    sim.expireAccessTokens();
    const client = clientWith(sim, sharedAuth(sim, table, { seed: undefined, deviceId }));
    for (let attempt = 0; attempt < 3; attempt++) {
      await expect(client.getSessionsByOrderId(order())).rejects.toBeInstanceOf(OneEntryAuthError);
    }
    expect(sim.stats().refreshes).toBe(0);
    const health = await auth.health();
    expect(health.status).toBe('failing');
    expect(health.reason).toContain('npm run login');
  });

  it('refuses a wrong password with one clear error and no retry storm', async () => {
    const wrong = { ...serviceUser, password: 'not it' };
    const processes = Array.from({ length: 3 }, () =>
      sharedAuth(sim, table, { serviceUser: wrong }),
    );
    for (let round = 0; round < 3; round++) {
      const results = await Promise.allSettled(processes.map((auth) => auth.accessToken()));
      for (const result of results) {
        expect(result.status).toBe('rejected');
        expect((result as PromiseRejectedResult).reason).toBeInstanceOf(OneEntryAuthError);
      }
    }
    expect(sim.stats()).toMatchObject({ signIns: 1, signInsRefused: 1 });
    const health = await processes[0]!.health();
    expect(health).toMatchObject({ status: 'failing' });
    expect(health.reason).toContain('ONEENTRY_PASSWORD');
    expect(JSON.stringify(health)).not.toContain(wrong.password);
  });

  it('says failing with advice when a seed from another device is refused', async () => {
    const auth = sharedAuth(sim, table, { seed: sim.issueTokens() });
    sim.expireAccessTokens();
    await expect(clientWith(sim, auth).getSessionsByOrderId(order())).rejects.toBeInstanceOf(
      OneEntryAuthError,
    );
    expect(sim.stats().refreshesRefused['other-device']).toBe(1);
    const health = await auth.health();
    expect(health.status).toBe('failing');
    expect(health.reason).toMatch(/another device.*npm run login/);
  });

  it('adopts a new seed once, detected by its value, and keeps rotating from there', async () => {
    const deviceId = newTestDeviceId();
    const first = seedFor(sim, deviceId);
    await clientWith(sim, sharedAuth(sim, table, { seed: first, deviceId })).getSessionsByOrderId(
      order(),
    );
    const second = seedFor(sim, deviceId);
    const adopter = sharedAuth(sim, table, { seed: second, deviceId });
    expect(await adopter.accessToken()).toBe(second.accessToken);
    sim.expireAccessTokens();
    await clientWith(sim, adopter).getSessionsByOrderId(order());
    // Another process with the same seed does not bring the spent seed back.
    const rotated = (await credentials())?.refreshToken;
    expect(rotated).not.toBe(second.refreshToken);
    await sharedAuth(sim, table, { seed: second, deviceId }).accessToken();
    expect((await credentials())?.refreshToken).toBe(rotated);
    expect(sim.stats().refreshesRefused.spent).toBe(0);
  });

  it('releases the lease when OneEntry is unreachable, so the next caller refreshes normally', async () => {
    const deviceId = newTestDeviceId();
    const seed = seedFor(sim, deviceId);
    await sharedAuth(sim, table, { seed, deviceId }).accessToken();
    const unreachable = sharedAuth(sim, table, {
      seed,
      deviceId,
      baseUrl: `http://127.0.0.1:${await freePort()}`,
    });
    await expect(unreachable.renew(seed.accessToken)).rejects.toThrow(/could not be reached/);
    const state = await credentials();
    expect(state?.leaseOwner).toBeUndefined();
    expect(state?.refreshTokenSpent).toBeUndefined();
    sim.expireAccessTokens();
    await clientWith(sim, sharedAuth(sim, table, { seed, deviceId })).getSessionsByOrderId(order());
    expect(sim.stats()).toMatchObject({ refreshes: 1, signIns: 0 });
  });

  it('keeps an idle deployment alive by refreshing a refresh token older than the limit', async () => {
    const deviceId = newTestDeviceId();
    const seed = seedFor(sim, deviceId);
    const now = { value: Date.now() };
    const auth = sharedAuth(sim, table, {
      seed,
      deviceId,
      refreshEveryMs: 3_600_000,
      now: () => now.value,
    });
    expect(await auth.keepAlive()).toBe('fresh');
    now.value += 2 * 3_600_000;
    expect(await auth.keepAlive()).toBe('renewed');
    expect(await auth.keepAlive()).toBe('fresh');
    expect(sim.stats().refreshes).toBe(1);
    expect(auth.takeActivity()).toEqual({ refreshes: 1, signIns: 0, failures: 0 });
  });

  it('says not configured, without calling OneEntry, when nothing can sign it in', async () => {
    const auth = sharedAuth(sim, table);
    await expect(auth.accessToken()).rejects.toBeInstanceOf(OneEntryNotConfiguredError);
    await expect(auth.keepAlive()).rejects.toBeInstanceOf(OneEntryNotConfiguredError);
    expect(await auth.health()).toMatchObject({ status: 'not-configured' });
    expect(sim.stats()).toMatchObject({ signIns: 0, refreshes: 0 });
  });

  it('signs in now for `npm run login` and leaves the state alone when the password is wrong', async () => {
    const operator = sharedAuth(sim, table);
    await expect(operator.signInNow({ ...serviceUser, password: 'typo' })).rejects.toBeInstanceOf(
      OneEntryAuthError,
    );
    expect(await credentials()).toMatchObject({ status: 'ok' });
    await operator.signInNow(serviceUser);
    // A process with no settings of its own now works from the stored tokens.
    expect(
      await clientWith(sim, sharedAuth(sim, table)).getSessionsByOrderId(order()),
    ).toHaveLength(1);
    expect(sim.stats()).toMatchObject({ signIns: 2, signInsRefused: 1 });
  });
});
