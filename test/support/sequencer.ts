import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * The files that take longest, longest first, with their time in a full run on two cores.
 * The end-to-end files spend most of it waiting on child processes and timers; the others
 * renew a token 200 times across 8 clients, wait out a rate cap and a Retry-After, seed
 * hundreds of orders, publish through injected failures, build CDK stacks (some validated),
 * or start `npm start` only to see it refuse.
 */
const LONG_FILES = [
  'test/local/runtime.e2e.test.ts', // 30 s
  'test/local/lifecycle.e2e.test.ts', // 21 s
  'test/local/sign-in-soak.e2e.test.ts', // 20 s
  'test/oneentry/shared-auth.test.ts', // 17 s
  'test/oneentry/budget.test.ts', // 13 s
  'test/local/demo.e2e.test.ts', // 13 s
  'test/infra/construct.test.ts', // 11 s
  'test/local/sign-in.e2e.test.ts', // 11 s
  'test/infra/cloudformation-validation.test.ts', // 8 s
  'test/events/republish.test.ts', // 5 s
  'test/local/startup-errors.test.ts', // 5 s
  'test/history/audit.test.ts', // 4 s
  'test/core/tracker.test.ts', // 4 s
  'test/core/due-ranges.test.ts', // 4 s
  'test/events/publisher.test.ts', // 3 s
];

/**
 * Starts the long files first: begun early, they overlap the many short files instead of
 * forming the run's tail. Vitest orders by its timing cache (slowest first) when it has one,
 * else largest first; a clean clone has none, and size is a poor guess of time here. An
 * end-to-end file missing from the list still goes before the short files.
 */
export class LongFilesFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (file: TestSpecification) => {
      const index = LONG_FILES.findIndex((name) => file.moduleId.endsWith(name));
      if (index !== -1) return index;
      return file.moduleId.endsWith('.e2e.test.ts') ? LONG_FILES.length : LONG_FILES.length + 1;
    };
    // A stable sort: Vitest's order holds among files of one rank.
    return sorted.toSorted((a, b) => rank(a) - rank(b));
  }
}
