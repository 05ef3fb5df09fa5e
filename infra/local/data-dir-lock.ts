/**
 * One data dir, one runtime: `${DATA_DIR}/runtime.lock` names the `npm start` that owns the
 * directory. It is created exclusively before anything else starts, so a second start on the
 * same directory is refused before it can touch the first one's DynamoDB Local or files. A
 * lock left by a process that no longer runs is taken over.
 */
import { existsSync, linkSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const LOCK_FILE = 'runtime.lock';

export interface LockOwner {
  pid: number;
  port: number;
}

/** The data dir belongs to another running runtime. */
export class DataDirInUseError extends Error {
  override readonly name = 'DataDirInUseError';
  constructor(
    readonly dataDir: string,
    readonly owner: LockOwner,
  ) {
    super(
      `${dataDir} is in use by the npm start on port ${owner.port} (pid ${owner.pid}): use that one, stop it, or start with another DATA_DIR`,
    );
  }
}

export interface DataDirLock {
  /** Removes the lock if it is still ours. Synchronous, so it can run in an `exit` handler. */
  release(): void;
}

/**
 * Whether `pid` still runs and is a Node process (where `/proc` tells), so a pid the system
 * gave to something else since does not keep a stale lock alive.
 */
const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('node');
  } catch {
    return !existsSync('/proc/self'); // no /proc on this system: trust the signal
  }
};

function readOwner(file: string): LockOwner | undefined {
  try {
    const owner = JSON.parse(readFileSync(file, 'utf8')) as Partial<LockOwner>;
    return Number.isInteger(owner.pid) && Number.isInteger(owner.port)
      ? (owner as LockOwner)
      : undefined;
  } catch {
    return undefined; // gone meanwhile
  }
}

/** Creates the lock with its content in one step (write aside, then link), so none is ever torn. */
function tryCreate(file: string, owner: LockOwner): boolean {
  const draft = `${file}.${process.pid}`;
  writeFileSync(draft, JSON.stringify(owner), { mode: 0o600 });
  try {
    linkSync(draft, file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    rmSync(draft, { force: true });
  }
}

/**
 * Moves a stale lock out of the way. The move is atomic; if what was moved turns out to be a
 * live owner's lock (another start took over between our read and the move), it is linked
 * back (which fails, harmlessly, if yet another lock appeared meanwhile).
 */
function breakStale(file: string): void {
  const tomb = `${file}.stale-${process.pid}`;
  try {
    renameSync(file, tomb);
  } catch {
    return; // someone else moved it first
  }
  const moved = readOwner(tomb);
  if (moved && isAlive(moved.pid) && moved.pid !== process.pid) {
    try {
      linkSync(tomb, file);
    } catch {
      // a newer lock exists: it wins, and the next round reads it
    }
  }
  rmSync(tomb, { force: true });
}

/** Takes the data dir for `owner`, or throws `DataDirInUseError` naming the running one. */
export function lockDataDir(dataDir: string, owner: LockOwner): DataDirLock {
  const file = join(dataDir, LOCK_FILE);
  for (let round = 0; round < 5; round++) {
    if (tryCreate(file, owner)) {
      return {
        release() {
          if (readOwner(file)?.pid === owner.pid) rmSync(file, { force: true });
        },
      };
    }
    const current = readOwner(file);
    if (current && current.pid !== owner.pid && isAlive(current.pid)) {
      throw new DataDirInUseError(dataDir, current);
    }
    if (existsSync(file)) breakStale(file);
  }
  throw new Error(`could not take ${file}: other starts keep replacing it`);
}
