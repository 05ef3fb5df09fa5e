/**
 * The layout's two rules, read from the import graph: the Lambda code never reaches into
 * `infra/` (the CDK app, the local runtime, the simulator), and the domain in `functions/core/`
 * knows nothing of Lambda's event shapes, so every runner calls it with plain values. And
 * `npm start` loads no CDK: it costs each start about 0.4 s of CPU and the runtime needs none.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');

function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => relative(ROOT, join(entry.parentPath, entry.name)));
}

/** Every module a file imports (static, re-exported or dynamic), as written. */
function importsOf(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const specifiers = text.matchAll(/(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g);
  return [...specifiers].map((match) => match[1] as string);
}

/** The modules a file needs at run time: `import type` statements are erased. */
function runtimeImportsOf(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8').replace(
    /^import type [^;]*?from\s*['"][^'"]+['"];/gm,
    '',
  );
  return [...text.matchAll(/(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g)].map(
    (match) => match[1] as string,
  );
}

/** The packages `entry` loads, directly or through our own modules. */
function packagesReachedFrom(entry: string): Set<string> {
  const packages = new Set<string>();
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const specifier of runtimeImportsOf(file)) {
      if (!specifier.startsWith('.')) {
        packages.add(specifier);
        continue;
      }
      const path = target(file, specifier);
      const module = [`${path}.ts`, join(path, 'index.ts'), path].find(
        (candidate) => candidate.endsWith('.ts') && existsSync(join(ROOT, candidate)),
      );
      if (module) visit(module);
    }
  };
  visit(entry);
  return packages;
}

/** A relative import as a path from the repository root; a package import as it is. */
function target(file: string, specifier: string): string {
  return specifier.startsWith('.')
    ? relative(ROOT, resolve(ROOT, dirname(file), specifier))
    : specifier;
}

describe('the import graph', () => {
  it('has no module under functions/ importing from infra/', () => {
    const offending = sourceFiles('functions').flatMap((file) =>
      importsOf(file)
        .map((specifier) => target(file, specifier))
        .filter((path) => path.startsWith('infra/'))
        .map((path) => `${file} → ${path}`),
    );
    expect(offending).toEqual([]);
  });

  it('has no module under functions/core/ importing Lambda types', () => {
    const offending = sourceFiles('functions/core').flatMap((file) =>
      importsOf(file)
        .filter((specifier) => specifier === 'aws-lambda' || specifier.startsWith('aws-lambda/'))
        .map(() => file),
    );
    expect(offending).toEqual([]);
  });

  it('has npm start load no CDK, not even through a constant it shares with the stack', () => {
    const packages = [...packagesReachedFrom('infra/local/main.ts')];
    const cdk = packages.filter(
      (name) => name === 'constructs' || name === 'aws-cdk-lib' || name.startsWith('aws-cdk-lib/'),
    );
    expect(cdk).toEqual([]);
    // The walk reaches the runtime's own packages, so an empty list above means something.
    expect(packages).toEqual(expect.arrayContaining(['@aws-sdk/client-dynamodb', 'zod']));
  });

  it('reads the imports it judges (the rules would pass vacuously otherwise)', () => {
    const tracker = importsOf('functions/core/tracker.ts');
    expect(tracker.length).toBeGreaterThan(3);
    expect(importsOf('functions/publisher/stream-record.ts')).toContain('aws-lambda');
  });
});
