import { defineConfig } from 'vitest/config';
import { LongFilesFirst } from './test/support/sequencer';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 90_000,
    // Two cores and four workers: the end-to-end files wait on timers and child processes
    // most of their time, which the other workers' files fill (three workers were about a
    // tenth slower; five and six were no faster, measured again in pairs of runs).
    maxWorkers: 4,
    sequence: { sequencer: LongFilesFirst },
    // A worker keeps the modules it loaded for its next file: no test relies on a fresh module
    // graph (those that read settings at load time reset modules themselves), and loading the
    // AWS SDK and the CDK again for each file cost about a seventh of the suite's CPU.
    isolate: false,
  },
});
