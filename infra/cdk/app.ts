/**
 * The CDK app (`cdk.json` → `app`). One environment-agnostic stack, configured by context
 * keys (documented in `context.ts`), checked by cdk-nag's AwsSolutions pack at every synth:
 * an unacknowledged finding fails the synth.
 *
 *   npm run synth                                   # with an example oneEntryUrl
 *   npx cdk deploy -c oneEntryUrl=https://x.oneentry.cloud -c pollRate=2
 *
 * `oneEntryUrl` has no default on purpose: a deploy without it fails with one line instead of
 * deploying a watcher pointed at an example project.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { InvalidContextError, stackPropsFromContext } from './context';
import { InvalidWatchPropsError } from './props';
import { PaymentSessionWatchStack } from './stack';

const app = new App();
try {
  const props = stackPropsFromContext(app.node);
  // No `env`: no lookups, so the synth needs no credentials and the template fits any account.
  new PaymentSessionWatchStack(app, 'PaymentSessionWatch', props);
} catch (error) {
  // A setting a person can fix: one line naming it, no stack trace.
  if (!(error instanceof InvalidContextError || error instanceof InvalidWatchPropsError)) {
    throw error;
  }
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
}
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
