/**
 * The problem details (RFC 9457) of the audit API (`/orders`, `/orders/{orderId}`,
 * `/transitions`), defined once for the functions behind it: bad parameters, a bad id, an
 * unknown order, an order whose tracking cannot be stopped, a method the route does not take.
 */
import { InvalidOrderIdError } from './errors';
import { OrderNotFoundError } from './history/errors';
import { type HttpAnswer, type ParameterProblem, problemAnswer } from './http-answers';
import { PROBLEM_TYPES } from './problem-types';
import { OrderNotTrackedError } from './untrack';

const sentence = (message: string) => `${message.charAt(0).toUpperCase()}${message.slice(1)}.`;

/** The problem answer of an order error, or undefined when `error` is none of them. */
export function orderProblem(error: unknown, instance: string): HttpAnswer | undefined {
  if (error instanceof InvalidOrderIdError) {
    return problemAnswer({
      type: PROBLEM_TYPES.invalidOrderId,
      title: 'Invalid order id',
      status: 400,
      detail: error.message,
      instance,
    });
  }
  if (error instanceof OrderNotFoundError) {
    return problemAnswer({
      type: PROBLEM_TYPES.orderNotFound,
      title: 'Order not found',
      status: 404,
      detail: sentence(error.message),
      instance,
      orderId: error.orderId,
    });
  }
  if (error instanceof OrderNotTrackedError) {
    return problemAnswer({
      type: PROBLEM_TYPES.orderNotTracked,
      title: 'Order not tracked',
      status: 409,
      detail: sentence(error.message),
      instance,
      orderId: error.orderId,
      state: error.state,
    });
  }
  return undefined;
}

/** 405 for a method the route does not take, with the ones it does in `allow`. */
export function methodNotAllowed(method: string, allowed: string, instance: string): HttpAnswer {
  return problemAnswer(
    {
      type: PROBLEM_TYPES.methodNotAllowed,
      title: 'Method not allowed',
      status: 405,
      detail: `${method} is not supported here; use ${allowed.split(',')[0]}`,
      instance,
    },
    { allow: allowed },
  );
}

/** 400 naming every invalid query parameter (never echoing its value). */
export function invalidParameters(errors: ParameterProblem[], instance: string): HttpAnswer {
  return problemAnswer({
    type: PROBLEM_TYPES.invalidParameters,
    title: 'Invalid query parameters',
    status: 400,
    detail: `Check ${errors.map((error) => error.parameter).join(', ')}; see errors.`,
    instance,
    errors,
  });
}
