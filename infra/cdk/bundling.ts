/**
 * How every Lambda handler is bundled. The stack and the bundle-size test both read these
 * constants, so the test measures what would be deployed.
 */
import { fileURLToPath } from 'node:url';
import { type BundlingOptions, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';

/** The repository root: entries, the lock file and the tsconfig are resolved from here. */
export const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The handlers, relative to `PROJECT_ROOT`. Each exports `handler`. */
export const HANDLER_ENTRIES = {
  poller: 'functions/poller/handler.ts',
  webhook: 'functions/webhook/handler.ts',
  history: 'functions/history/handler.ts',
  untrack: 'functions/untrack/handler.ts',
  publisher: 'functions/publisher/handler.ts',
  discovery: 'functions/discovery/handler.ts',
} as const;

export type HandlerName = keyof typeof HANDLER_ENTRIES;

/** Must match the Lambda runtime (`nodejs24.x`); esbuild then keeps native syntax. */
export const ESBUILD_TARGET = 'node24';

/**
 * ESM bundles have no `require`, but CommonJS dependencies inside them still call it for Node
 * built-ins (`require('crypto')`, ...), which esbuild turns into a throwing shim. The banner
 * gives the module a real `require`. The alias keeps it clear of minified names.
 */
export const ESM_REQUIRE_BANNER =
  "import { createRequire as __psw_createRequire } from 'node:module'; const require = __psw_createRequire(import.meta.url);";

/** Prefer packages' ESM builds: they tree-shake, which the CommonJS builds do not. */
export const MAIN_FIELDS = ['module', 'main'];

/**
 * The AWS SDK is bundled, not taken from the runtime. The runtime's SDK version is whatever AWS
 * ships that week and changes without a deploy; bundling runs exactly the versions in the lock
 * file, the ones the tests ran against, and keeps `@aws-sdk/lib-dynamodb` and
 * `@aws-sdk/client-dynamodb` on the same release (the former requires that). The price is a
 * larger bundle (measured by test/infra/bundle-size.test.ts) and a slightly longer cold start.
 */
export const BUNDLE_AWS_SDK = true;

/** `NodejsFunction` bundling: local esbuild (there is no Docker), ESM, minified, source maps. */
export function bundlingOptions(): BundlingOptions {
  return {
    forceDockerBundling: false,
    format: OutputFormat.ESM,
    target: ESBUILD_TARGET,
    mainFields: MAIN_FIELDS,
    banner: ESM_REQUIRE_BANNER,
    minify: true,
    sourceMap: true,
    // Line mappings suffice for stack traces (NODE_OPTIONS=--enable-source-maps); embedding
    // every dependency's source would multiply the map and the time Node spends loading it.
    sourcesContent: false,
    bundleAwsSDK: BUNDLE_AWS_SDK,
  };
}
