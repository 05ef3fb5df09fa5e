/**
 * The webhook's problem types and its internal-error answer; the answers themselves are
 * built by `core/http-answers`.
 */
import { type HttpAnswer, problemAnswer } from '../http-answers';
import { PROBLEM_TYPES } from '../problem-types';

export { PROBLEM_TYPES } from '../problem-types';

/** Our own failure: nothing about its cause leaves the service (the log has it). */
export const internalErrorAnswer = (): HttpAnswer =>
  problemAnswer({ type: PROBLEM_TYPES.blank, title: 'Internal Server Error', status: 500 });
