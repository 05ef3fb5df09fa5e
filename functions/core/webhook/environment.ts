/**
 * The webhook's dependencies from the environment: the tracker parts of `trackerFromEnvironment`,
 * receipts in the same table, and the webhook secrets (`WEBHOOK_SECRET` or
 * `WEBHOOK_SECRET_ARN`). The Lambda handler and the local runtime both build them here.
 */
import { loadWebhookSecrets } from '../credentials';
import { trackerFromEnvironment } from '../environment';
import type { ClientLogger } from '../oneentry/http';
import type { SharedUserAuth } from '../oneentry/shared-auth';
import { ReceiptStore } from '../receipts';
import type { IntakeDependencies } from './intake';
import { SignatureVerifier } from './verify';

type Env = Record<string, string | undefined>;

/** Throws `ConfigError` (or `InvalidWebhookSecretError`) for a missing or invalid setting. */
export async function webhookDependenciesFromEnvironment(
  logger: ClientLogger,
  env: Env = process.env,
): Promise<IntakeDependencies & { auth: SharedUserAuth }> {
  const secrets = () => loadWebhookSecrets(env);
  // Read once now, so a missing or malformed secret fails the first invocation loudly
  // instead of answering 401 to every sender.
  new SignatureVerifier(await secrets());
  const { tracker, store, documentClient, tableName, auth } = await trackerFromEnvironment(
    logger,
    env,
  );
  const receipts = new ReceiptStore({ client: documentClient, tableName });
  return { tracker, store, receipts, secrets, auth, logger };
}
