/** Errors of the simulator's programmatic API; the control API maps each to an HTTP status. */

export class UnknownOrderError extends Error {
  override readonly name = 'UnknownOrderError';
  constructor(readonly orderId: number) {
    super(`order ${orderId} does not exist in the simulator`);
  }
}

export class UnknownSessionError extends Error {
  override readonly name = 'UnknownSessionError';
  constructor(readonly sessionId: number) {
    super(`session ${sessionId} does not exist in the simulator`);
  }
}

export class OrderExistsError extends Error {
  override readonly name = 'OrderExistsError';
  constructor(readonly orderId: number) {
    super(`order ${orderId} already exists in the simulator`);
  }
}

export class SessionExistsError extends Error {
  override readonly name = 'SessionExistsError';
  constructor(readonly sessionId: number) {
    super(`session ${sessionId} already exists in the simulator`);
  }
}

/** A value handed to the programmatic API breaks the rules the control API validates too. */
export class InvalidSimulatorInputError extends Error {
  override readonly name = 'InvalidSimulatorInputError';
}
