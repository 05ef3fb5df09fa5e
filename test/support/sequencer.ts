import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * Besides the end-to-end files, the files that take longest (5 to 20 s each on two cores),
 * longest first: a token renewed 200 times across 8 clients, a rate cap and a Retry-After
 * waited out, some 25 CDK stacks built, a 16-minute poll simulation and a 4-day audit seed.
 */
const LONG_FILES = [
  'test/oneentry/shared-auth.test.ts',
  'test/oneentry/budget.test.ts',
  'test/infra/construct.test.ts',
  'test/core/due-ranges.test.ts',
  'test/history/audit.test.ts',
];

/**
 * Starts the long files first: the end-to-end files, which spend most of their time waiting
 * on child processes and timers, and {@link LONG_FILES}. Begun early, they overlap the short
 * files instead of forming the run's tail. Vitest orders by its timing cache (slowest first)
 * when it has one, else largest first; a clean clone has none, and size is a poor guess here.
 */
export class LongFilesFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (file: TestSpecification) => {
      if (file.moduleId.endsWith('.e2e.test.ts')) return -1;
      const index = LONG_FILES.findIndex((name) => file.moduleId.endsWith(name));
      return index === -1 ? LONG_FILES.length : index;
    };
    // A stable sort: Vitest's order holds among files of one rank.
    return sorted.toSorted((a, b) => rank(a) - rank(b));
  }
}
