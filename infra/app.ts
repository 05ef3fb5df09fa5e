/**
 * The CDK app (`cdk.json` → `app`). One environment-agnostic stack, configured by context
 * keys (documented in `context.ts`), checked by cdk-nag's AwsSolutions pack at every synth:
 * an unacknowledged finding fails the synth.
 *
 *   npm run synth                                   # with the context in cdk.json
 *   npx cdk synth -c oneEntryUrl=https://x.oneentry.cloud -c pollRate=2
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { stackPropsFromContext } from './context';
import { PaymentSessionWatchStack } from './stack';

const app = new App();
// No `env`: no lookups, so the synth needs no credentials and the template fits any account.
new PaymentSessionWatchStack(app, 'PaymentSessionWatch', stackPropsFromContext(app.node));
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
