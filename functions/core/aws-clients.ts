/**
 * What every AWS SDK client of the project is built with. The SDK's default handler waits
 * for a connection and an answer without limit, so one hung socket could hold a check, a
 * publish or a secret read past the invocation's deadline.
 */

/** Longest wait for a TCP connection to an AWS endpoint, in ms. */
export const AWS_CONNECTION_TIMEOUT_MS = 2_000;
/** Longest a request may go without an answer, in ms (the SDK retries a timed-out request). */
export const AWS_REQUEST_TIMEOUT_MS = 5_000;

/** The client configuration that bounds connection and request times. */
export function awsClientConfig() {
  return {
    requestHandler: {
      connectionTimeout: AWS_CONNECTION_TIMEOUT_MS,
      requestTimeout: AWS_REQUEST_TIMEOUT_MS,
    },
  };
}
