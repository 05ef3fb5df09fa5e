/**
 * Synthesizes the stack the way `cdk synth` does (same feature flags and context from
 * cdk.json, same context → props mapping), except for three things each synth would pay for:
 * - asset bundling is skipped: the template does not depend on the bundle's bytes, and
 *   bundling is what bundle-size.test.ts checks;
 * - the CDK's built-in CloudFormation schema validation is off unless asked for: it costs
 *   about 0.4 s of CPU per synth, and cloudformation-validation.test.ts runs it over the
 *   configurations that between them hold every resource and property the other tests make;
 * - no stack trace is recorded for each construct made: those go into the assembly's metadata,
 *   never into a template, and cost about 2 s of CPU across the CDK tests (under Vitest each
 *   trace is source-mapped).
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, type CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { inject } from 'vitest';
import { stackPropsFromContext } from '../../infra/cdk/context';
import { PaymentSessionWatchStack } from '../../infra/cdk/stack';

const cdkJson = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as {
  context: Record<string, unknown>;
};

export interface Synthesized {
  app: App;
  stack: PaymentSessionWatchStack;
  template: Template;
  /** The logical id of an L2 construct's CloudFormation resource. */
  logicalId(construct: IConstruct): string;
}

/** The example project `npm run synth` passes too; cdk.json itself names none. */
export const EXAMPLE_ONEENTRY_URL = 'https://your-project.oneentry.cloud';

export interface TestAppOptions {
  /** Run the CDK's built-in CloudFormation schema validation at synth. Default false. */
  validate?: boolean;
}

/** A fresh directory in the run's scratch directory, removed when the run ends. */
export const scratchOutdir = () => mkdtempSync(join(inject('scratchDir'), 'cdk.out-'));

/** An app that bundles nothing, with `context`, writing its assembly to the scratch directory. */
export function testApp(
  context: Record<string, unknown> = {},
  { validate = false }: TestAppOptions = {},
): App {
  return new App({
    context: {
      'aws:cdk:bundling-stacks': [],
      'aws:cdk:disable-creation-stack-traces': true,
      ...context,
    },
    stackTraces: false,
    builtinCloudFormationValidation: validate,
    outdir: scratchOutdir(),
  });
}

/** A new app and stack; `context` overrides cdk.json's, like `cdk synth -c key=value`. */
export function createStack(
  context: Record<string, unknown> = {},
  options: TestAppOptions = {},
): {
  app: App;
  stack: PaymentSessionWatchStack;
} {
  const app = testApp(
    { ...cdkJson.context, oneEntryUrl: EXAMPLE_ONEENTRY_URL, ...context },
    options,
  );
  const stack = new PaymentSessionWatchStack(
    app,
    'PaymentSessionWatch',
    stackPropsFromContext(app.node),
  );
  return { app, stack };
}

export function synthesize(context: Record<string, unknown> = {}): Synthesized {
  const { app, stack } = createStack(context);
  return {
    app,
    stack,
    template: Template.fromStack(stack),
    logicalId: (construct) =>
      Stack.of(construct).getLogicalId(construct.node.defaultChild as CfnElement),
  };
}

/** `{ Ref: id }`. */
export const ref = (logicalId: string) => ({ Ref: logicalId });
/** `{ 'Fn::GetAtt': [id, attribute] }`. */
export const getAtt = (logicalId: string, attribute = 'Arn') => ({
  'Fn::GetAtt': [logicalId, attribute],
});
