/**
 * The deployment's one OneEntry credential state, kept in one item of the table. Every
 * process reads it; every change is a write conditioned on the version it was read at, so of
 * two racing writers exactly one wins and the other goes on from the state that beat it.
 * Never logged, never in an event, never in an API answer: `describe()` is the only view of it
 * that leaves this module.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { credentialsKey, ENTITY, ENTITY_ATTRIBUTE } from '../table';

export type AuthStatus = 'ok' | 'failing' | 'not-configured';

export interface CredentialState {
  /** Bumped by every write; writes are conditioned on it. */
  version: number;
  /** The device every token is bound to (its fingerprint is `UQ_<deviceId>`). */
  deviceId: string;
  accessToken?: string;
  refreshToken?: string;
  /** Epoch ms the refresh token was issued at (sign-in, refresh or seed). */
  refreshTokenIssuedAt?: number;
  /**
   * The refresh token was presented by a refresher that never reported back, or was refused:
   * presenting it again is pointless (OneEntry spent it) and is never done.
   */
  refreshTokenSpent?: boolean;
  /** Digest of the last seed adopted; a different seed in the settings replaces the tokens once. */
  seedDigest?: string;
  status: 'ok' | 'failing';
  /** Why it is failing, in words that say what to do; never a secret. */
  reason?: string;
  /** Epoch ms of the last refused sign-in, and a digest of the credentials it used. */
  signInRefusedAt?: number;
  signInRefusedFor?: string;
  /** Who is refreshing or signing in now, and until when (epoch ms). */
  leaseOwner?: string;
  leaseUntil?: number;
  updatedAt: number;
}

/** The fields a write sets; `null` removes the attribute. */
export type CredentialChanges = {
  [K in keyof Omit<CredentialState, 'version' | 'updatedAt'>]?: CredentialState[K] | null;
};

/**
 * What a conditional write did: the state it wrote, or the state that made it lose (undefined
 * when there is none), so the loser goes on from there without reading it again.
 */
export type CredentialWrite =
  | { written: true; state: CredentialState }
  | { written: false; state: CredentialState | undefined };

/** What may be shown of the state: no token, no device id. */
export interface AuthHealth {
  status: AuthStatus;
  reason?: string;
  /** When the refresh token was issued, ISO-8601. */
  refreshTokenIssuedAt?: string;
}

export class CredentialStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async read(): Promise<CredentialState | undefined> {
    const result = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: credentialsKey(), ConsistentRead: true }),
    );
    return result.Item ? fromItem(result.Item) : undefined;
  }

  /**
   * Creates the state with its device, or returns the one another process created first.
   */
  async create(deviceId: string, now: number): Promise<CredentialState> {
    const { state } = await this.write(undefined, { deviceId, status: 'ok' }, now);
    if (!state) throw new Error('the credential state vanished while it was being created');
    return state;
  }

  /** Applies `changes` if the state is still at `expectedVersion`. */
  update(
    expectedVersion: number,
    changes: CredentialChanges,
    now: number,
  ): Promise<CredentialWrite> {
    return this.write(expectedVersion, changes, now);
  }

  private async write(
    expectedVersion: number | undefined,
    changes: CredentialChanges,
    now: number,
  ): Promise<CredentialWrite> {
    const names: Record<string, string> = {
      '#entity': ENTITY_ATTRIBUTE,
      '#version': 'version',
      '#updatedAt': 'updatedAt',
    };
    const values: Record<string, unknown> = {
      ':entity': ENTITY.credentials,
      ':next': (expectedVersion ?? 0) + 1,
      ':now': now,
    };
    const sets = ['#entity = :entity', '#version = :next', '#updatedAt = :now'];
    const removes: string[] = [];
    Object.entries(changes).forEach(([field, value], index) => {
      if (value === undefined) return;
      names[`#f${index}`] = field;
      if (value === null) {
        removes.push(`#f${index}`);
      } else {
        values[`:f${index}`] = value;
        sets.push(`#f${index} = :f${index}`);
      }
    });
    if (expectedVersion !== undefined) values[':expected'] = expectedVersion;
    try {
      const result = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: credentialsKey(),
          ConditionExpression:
            expectedVersion === undefined
              ? 'attribute_not_exists(#version)'
              : '#version = :expected',
          UpdateExpression: `SET ${sets.join(', ')}${removes.length > 0 ? ` REMOVE ${removes.join(', ')}` : ''}`,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { written: true, state: fromItem(result.Attributes ?? {}) };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      return { written: false, state: error.Item ? fromItem(unmarshall(error.Item)) : undefined };
    }
  }
}

function fromItem(item: Record<string, unknown>): CredentialState {
  const { pk: _pk, sk: _sk, entity: _entity, ...state } = item;
  return state as unknown as CredentialState;
}

/** The state as it may be shown: status and reason, never a token or the device. */
export function describe(state: CredentialState | undefined, configured: boolean): AuthHealth {
  if (!state || (!state.accessToken && !state.refreshToken && state.status === 'ok')) {
    return configured
      ? { status: 'ok', reason: 'not signed in yet' }
      : {
          status: 'not-configured',
          reason:
            'no OneEntry user credentials: run `npm run login`, or set ONEENTRY_LOGIN and ONEENTRY_PASSWORD',
        };
  }
  return {
    status: state.status,
    ...(state.reason ? { reason: state.reason } : {}),
    ...(state.refreshTokenIssuedAt
      ? { refreshTokenIssuedAt: new Date(state.refreshTokenIssuedAt).toISOString() }
      : {}),
  };
}
