/**
 * `${DATA_DIR}/runtime.json`: where a running `npm start` can be reached. Written at start,
 * removed at stop, so local tools (`npm run history`) find DynamoDB Local's port by themselves.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface RuntimeFile {
  pid: number;
  url: string;
  dynamodbEndpoint: string;
  tableName: string;
  /** The local event sink's PutEvents endpoint. */
  eventsEndpoint: string;
}

const FILE = 'runtime.json';
/** Where the local publisher's failures go, as the on-failure queue in AWS. */
export const DEAD_LETTER_FILE = 'dead-letter.jsonl';
/** The data dir when `DATA_DIR` is unset. */
export const DEFAULT_DATA_DIR = '.data';

export function writeRuntimeFile(dataDir: string, content: RuntimeFile): () => Promise<void> {
  writeFileSync(join(dataDir, FILE), JSON.stringify(content, null, 2));
  return async () => removeRuntimeFile(dataDir);
}

export function removeRuntimeFile(dataDir: string): void {
  rmSync(join(dataDir, FILE), { force: true });
}

/** The running runtime's file, if there is one and its process is alive. */
export function readRuntimeFile(dataDir: string): RuntimeFile | undefined {
  const file = join(dataDir, FILE);
  if (!existsSync(file)) return undefined;
  const content = JSON.parse(readFileSync(file, 'utf8')) as RuntimeFile;
  try {
    process.kill(content.pid, 0);
    return content;
  } catch {
    return undefined; // left by a run that was killed
  }
}

/**
 * What local tools (`npm run history`, `republish`, `send`) need from the environment: when no
 * table is configured, the running `npm start` on `DATA_DIR` (its table, DynamoDB Local and
 * event sink). `running` is undefined when a table is configured or nothing runs there.
 */
export function localToolEnvironment(env: Record<string, string | undefined>): {
  env: Record<string, string | undefined>;
  dataDir: string;
  running: RuntimeFile | undefined;
} {
  const dataDir = env.DATA_DIR?.trim() || DEFAULT_DATA_DIR;
  if (env.TABLE_NAME?.trim() || env.DYNAMODB_ENDPOINT?.trim()) {
    return { env, dataDir, running: undefined };
  }
  const running = readRuntimeFile(dataDir);
  if (!running) return { env, dataDir, running };
  return {
    env: {
      ...env,
      TABLE_NAME: running.tableName,
      DYNAMODB_ENDPOINT: running.dynamodbEndpoint,
      EVENTBRIDGE_ENDPOINT: env.EVENTBRIDGE_ENDPOINT?.trim() || running.eventsEndpoint,
    },
    dataDir,
    running,
  };
}

/** What a local tool says when it finds no running `npm start` and has nothing else to go on. */
export const nothingRunningMessage = (dataDir: string, otherwise: string) =>
  `nothing is running on ${dataDir}: start \`npm start\` first (here, or with the same DATA_DIR), or ${otherwise}`;

/** The other way for the table tools: a deployed table. */
export const DEPLOYED_TABLE_HINT = 'set TABLE_NAME (and AWS_REGION) for a deployed table';
