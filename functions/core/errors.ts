/** Raised when the environment holds a missing or invalid setting; the message names each one. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration: ${problems.join('; ')}`);
  }
}

/** The order id is not a positive integer. */
export class InvalidOrderIdError extends Error {
  override readonly name = 'InvalidOrderIdError';
  constructor(value: unknown) {
    super(`orderId must be a positive integer, got ${JSON.stringify(value)}`);
  }
}
