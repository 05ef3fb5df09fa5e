import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 90_000,
    // Two cores: more workers only queue behind Java and each other.
    maxWorkers: 2,
    // A worker keeps the modules it loaded for its next file: no test relies on a fresh module
    // graph (those that read settings at load time reset modules themselves), and loading the
    // AWS SDK and the CDK again for each file cost about a seventh of the suite's CPU.
    isolate: false,
  },
});
