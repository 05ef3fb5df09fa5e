/** The npm scripts run files that exist: a renamed entry point or test file breaks a test here. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const { scripts } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  scripts: Record<string, string>;
};

describe('package.json scripts', () => {
  it.each(Object.entries(scripts))('%s names only files that exist', (_name, command) => {
    const files = command.match(/[\w./-]+\.ts\b/g) ?? [];
    for (const file of files) expect(existsSync(join(ROOT, file)), file).toBe(true);
  });

  it('finds the files a script names (the check would pass on no files)', () => {
    expect(scripts['test:soak']?.match(/[\w./-]+\.ts\b/g)).toEqual([
      'test/local/sign-in-soak.e2e.test.ts',
    ]);
  });
});
