/**
 * Bundles every handler with the options the stack gives NodejsFunction (infra/cdk/bundling.ts)
 * and fails if one outgrows its budget: a bundle that jumps in size means a dependency
 * started dragging in more than it should, which every cold start then pays for.
 */
import { join } from 'node:path';
import { build } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  BUNDLE_AWS_SDK,
  ESBUILD_TARGET,
  ESM_REQUIRE_BANNER,
  HANDLER_ENTRIES,
  type HandlerName,
  MAIN_FIELDS,
  PROJECT_ROOT,
} from '../../infra/cdk/bundling';

/**
 * Budget per function for the minified `index.mjs` (source map excluded: Lambda loads it only
 * for stack traces). Measured at 0.76–0.86 MiB with the AWS SDK bundled (see bundling.ts);
 * 1.25 MiB leaves about 45 % headroom for the handlers still being written, and fails long
 * before anything near Lambda's limits.
 */
const BUNDLE_BUDGET_BYTES = 1.25 * 1024 * 1024;

const OUT_DIR = join(PROJECT_ROOT, 'cdk.out', 'bundle-size');

/**
 * Every handler's bundle size, from one esbuild run with one entry point per handler: esbuild
 * parses the modules they share (the AWS SDK above all) once, and without code splitting each
 * output is still a whole bundle, byte for byte what a build of that handler alone gives.
 */
async function bundleAll(): Promise<Map<HandlerName, number>> {
  const names = Object.keys(HANDLER_ENTRIES) as HandlerName[];
  const result = await build({
    entryPoints: names.map((name) => ({
      in: join(PROJECT_ROOT, HANDLER_ENTRIES[name]),
      out: name,
    })),
    entryNames: '[name]/index',
    outExtension: { '.js': '.mjs' },
    bundle: true,
    splitting: false,
    write: false,
    platform: 'node',
    target: ESBUILD_TARGET,
    format: 'esm',
    mainFields: MAIN_FIELDS,
    banner: { js: ESM_REQUIRE_BANNER },
    minify: true,
    sourcemap: true,
    sourcesContent: false,
    external: BUNDLE_AWS_SDK ? [] : ['@aws-sdk/*'],
    outdir: OUT_DIR,
    logLevel: 'silent',
  });
  const sizes = new Map<HandlerName, number>();
  for (const name of names) {
    const code = result.outputFiles.find((file) => file.path === join(OUT_DIR, name, 'index.mjs'));
    if (!code) throw new Error(`esbuild produced no index.mjs for ${name}`);
    sizes.set(name, code.contents.byteLength);
  }
  return sizes;
}

let sizes: Map<HandlerName, number>;
beforeAll(async () => {
  sizes = await bundleAll();
});

describe('bundle size', () => {
  it.each(Object.keys(HANDLER_ENTRIES) as HandlerName[])('%s stays within budget', (name) => {
    const bytes = sizes.get(name) ?? 0;
    console.log(
      `bundle ${name}: ${bytes} bytes (${(bytes / 1024).toFixed(1)} KiB, budget ${(BUNDLE_BUDGET_BYTES / 1024).toFixed(0)} KiB)`,
    );
    expect(bytes).toBeGreaterThan(0);
    expect(bytes).toBeLessThanOrEqual(BUNDLE_BUDGET_BYTES);
  });
});
