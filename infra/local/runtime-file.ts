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
}

const FILE = 'runtime.json';

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
