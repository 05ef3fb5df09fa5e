import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * Starts the end-to-end files first. They spend most of their time waiting on child processes
 * and timers, so begun early they overlap the files that keep the CPU busy instead of forming
 * the run's tail. Vitest's own order (slowest first by its timing cache, else largest first)
 * holds within each group; a clean clone has no cache.
 */
export class EndToEndFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const endToEnd = (file: TestSpecification) => file.moduleId.endsWith('.e2e.test.ts');
    return [...sorted.filter(endToEnd), ...sorted.filter((file) => !endToEnd(file))];
  }
}
