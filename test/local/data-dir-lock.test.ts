import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DataDirInUseError, LOCK_FILE, lockDataDir } from '../../infra/local/data-dir-lock';

const ROOT = join(import.meta.dirname, '..', '..');
const dirs: string[] = [];
const freshDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'psw-lock-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A pid that surely ran and ended. */
const deadPid = () => spawnSync('true').pid as number;

describe('the data dir lock', () => {
  it('refuses a second owner while the first runs, naming its port and pid', () => {
    const dir = freshDir();
    const sleeper = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)']);
    try {
      writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: sleeper.pid, port: 4123 }));
      expect(() => lockDataDir(dir, { pid: process.pid, port: 4124 })).toThrowError(
        DataDirInUseError,
      );
      expect(() => lockDataDir(dir, { pid: process.pid, port: 4124 })).toThrow(
        `port 4123 (pid ${sleeper.pid})`,
      );
    } finally {
      sleeper.kill();
    }
  });

  it('takes over a lock left by a process that no longer runs, and releases only its own', () => {
    const dir = freshDir();
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: deadPid(), port: 4123 }));
    const lock = lockDataDir(dir, { pid: process.pid, port: 4124 });
    expect(JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8'))).toEqual({
      pid: process.pid,
      port: 4124,
    });
    lock.release();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
  });

  it('lets exactly one of several processes racing for a stale lock win', async () => {
    const dir = freshDir();
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: deadPid(), port: 4123 }));
    const script = `
      import { lockDataDir } from './infra/local/data-dir-lock.ts';
      try { lockDataDir(${JSON.stringify(dir)}, { pid: process.pid, port: 1 }); console.log('won'); }
      catch (error) { console.log(error.name); }
      setTimeout(() => {}, 1500); // hold on while the others try
    `;
    const racers = Array.from({ length: 4 }, () =>
      spawn(
        join(ROOT, 'node_modules', '.bin', 'node'),
        ['--import', 'tsx', '--input-type=module', '-e', script],
        {
          cwd: ROOT,
        },
      ),
    );
    const results = await Promise.all(
      racers.map(
        (child) =>
          new Promise<string>((resolve) => {
            let out = '';
            child.stdout.on('data', (chunk: Buffer) => {
              out += chunk.toString();
            });
            child.on('exit', () => resolve(out.trim()));
          }),
      ),
    );
    expect(results.filter((result) => result === 'won')).toHaveLength(1);
    expect(results.filter((result) => result === 'DataDirInUseError')).toHaveLength(3);
  }, 60_000);
});
