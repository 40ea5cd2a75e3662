/** Deadlines and the poll policy as typed defaults in code. */
import type { BackoffShape } from './backoff';
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

/** How cancelAndConfirm and waitForDone read an operation until it is done. */
export interface PollPolicy {
  /** Delay before the second read, in ms. Default 250. */
  readonly initialDelayMs: number;
  /** Each delay is the previous one times this. Default 1.5. */
  readonly multiplier: number;
  /** Longest delay between reads, in ms. Default 5,000. */
  readonly maxDelayMs: number;
  /** Each delay is multiplied by a random factor in [1 - jitter, 1 + jitter]. Default 0.2. */
  readonly jitter: number;
  /** The whole wait, in ms, after which the last state is reported. Default 60,000. */
  readonly timeoutMs: number;
}

/** The poll policy clients use unless told otherwise: 250 ms, times 1.5 per read up to 5 s, jitter 0.2, 60 s in all. */
export const DEFAULT_POLL_POLICY: PollPolicy = Object.freeze({
  initialDelayMs: 250,
  multiplier: 1.5,
  maxDelayMs: 5_000,
  jitter: 0.2,
  timeoutMs: 60_000,
});

/** A policy with `overrides` applied, each value checked. */
export function pollPolicy(base: PollPolicy, overrides: Partial<PollPolicy> | undefined): PollPolicy {
  if (!overrides) return base;
  const policy = { ...base, ...overrides };
  for (const key of ['initialDelayMs', 'maxDelayMs', 'timeoutMs'] as const) {
    const value = policy[key];
    if (typeof value !== 'number' || !(value >= 0))
      throw localError(Code.INVALID_ARGUMENT, `${key} must be a number >= 0`);
  }
  if (!(policy.multiplier >= 1)) throw localError(Code.INVALID_ARGUMENT, 'multiplier must be >= 1');
  if (!(policy.jitter >= 0 && policy.jitter < 1)) throw localError(Code.INVALID_ARGUMENT, 'jitter must be in [0, 1)');
  return policy;
}

/** The shape of a poll policy's backoff, for {@link backoff}. */
export function pollBackoff(policy: PollPolicy): BackoffShape {
  return {
    initialMs: policy.initialDelayMs,
    multiplier: policy.multiplier,
    maxMs: policy.maxDelayMs,
    jitter: policy.jitter,
  };
}
