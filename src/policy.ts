/**
 * Deadlines (and, later, retry and poll backoff) as typed defaults in code.
 */
import { Code, localError } from './errors';

/**
 * Default deadline of Get/Cancel/Delete/List, covering all attempts: 10 s, as in googleapis'
 * `longrunning_grpc_service_config.json`.
 */
export const DEFAULT_TIMEOUT_MS = 10_000;

/** Checks a caller's `timeoutMs`: a positive number of milliseconds, or Infinity for no deadline. */
export function checkTimeout(timeoutMs: unknown, what = 'timeoutMs'): number {
  if (typeof timeoutMs !== 'number' || Number.isNaN(timeoutMs) || timeoutMs <= 0) {
    throw localError(Code.INVALID_ARGUMENT, `${what} must be a positive number of milliseconds`);
  }
  return timeoutMs;
}
