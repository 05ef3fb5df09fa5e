import { Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { createStack } from './synth';

describe('cdk-nag AwsSolutions', () => {
  let app: ReturnType<typeof createStack>['app'];

  beforeAll(() => {
    ({ app } = createStack());
  });

  it('reports no unacknowledged finding, error or warning', () => {
    const report = new AwsSolutionsChecks().validateScope(app);
    const findings = report.violations.map(
      (v) =>
        `${v.severity} ${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}`,
    );
    expect(findings).toEqual([]);
    expect(report.success).toBe(true);
  });

  it('passes as a synth-time validation plugin, as in infra/cdk/app.ts', () => {
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    // A violation makes synth throw (and the CLI exit non-zero).
    expect(() => app.synth()).not.toThrow();
  });
});
