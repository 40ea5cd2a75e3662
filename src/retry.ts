/**
 * The one retry engine, above both transports (gRFC A6 semantics, AIP-194 codes): retry only
 * UNAVAILABLE by default, at most 5 attempts, jittered exponential backoff, the server's
 * pushback honoured, per-target throttling, one deadline over all attempts, an abort during
 * backoff stops at once.
 */
import { Code, OperationsError, localError, serverHint } from './errors';
import { backoff, sleep, type BackoffShape } from './backoff';

/** How a failed call is retried: which codes, how many attempts, what backoff between them. */
export interface RetryPolicy {
  /** Attempts at most, the first included. Default 5 (gRFC A6's cap). 1 disables retries. */
  readonly maxAttempts: number;
  /** First backoff, in ms. Default 500. */
  readonly initialBackoffMs: number;
  /** Longest backoff, in ms. Default 10,000. */
  readonly maxBackoffMs: number;
  /** Each backoff is the previous one times this. Default 2. */
  readonly multiplier: number;
  /** Each backoff is multiplied by a random factor in [1 - jitter, 1 + jitter]. Default 0.2. */
  readonly jitter: number;
  /** Codes retried. Default UNAVAILABLE only (AIP-194). */
  readonly retryableCodes: readonly Code[];
}

/** The retry policy clients use unless told otherwise: UNAVAILABLE only, 5 attempts, 500 ms doubling up to 10 s, jitter 0.2. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = Object.freeze({
  maxAttempts: 5,
  initialBackoffMs: 500,
  maxBackoffMs: 10_000,
  multiplier: 2,
  jitter: 0.2,
  retryableCodes: Object.freeze([Code.UNAVAILABLE]),
});

/** gRFC A6 retry throttling, one per target: retries stop while tokens <= maxTokens / 2. */
export interface ThrottlePolicy {
  /** The target's token bucket, full at first; each retryable failure takes one. Default 10. */
  readonly maxTokens: number;
  /** Tokens a success gives back. Default 0.1. */
  readonly tokenRatio: number;
}

/** The retry throttle clients use unless told otherwise: 10 tokens, 0.1 given back per success. */
export const DEFAULT_THROTTLE_POLICY: ThrottlePolicy = Object.freeze({ maxTokens: 10, tokenRatio: 0.1 });

export class RetryThrottle {
  private tokens: number;

  constructor(readonly policy: ThrottlePolicy = DEFAULT_THROTTLE_POLICY) {
    this.tokens = policy.maxTokens;
  }

  /** A call ended with a retryable failure. */
  onFailure(): void {
    this.tokens = Math.max(0, this.tokens - 1);
  }

  onSuccess(): void {
    this.tokens = Math.min(this.policy.maxTokens, this.tokens + this.policy.tokenRatio);
  }

  get allowsRetry(): boolean {
    return this.tokens > this.policy.maxTokens / 2;
  }
}

/** `policy` checked: INVALID_ARGUMENT for a bucket that can't work. */
export function throttlePolicy(policy: ThrottlePolicy): ThrottlePolicy {
  const { maxTokens, tokenRatio } = policy;
  if (!(typeof maxTokens === 'number' && maxTokens > 0 && Number.isFinite(maxTokens))) {
    throw localError(Code.INVALID_ARGUMENT, 'throttle maxTokens must be a finite number > 0');
  }
  if (!(typeof tokenRatio === 'number' && tokenRatio > 0 && tokenRatio <= maxTokens)) {
    throw localError(Code.INVALID_ARGUMENT, 'throttle tokenRatio must be a number > 0, at most maxTokens');
  }
  return { maxTokens, tokenRatio };
}

/** A policy with `overrides` applied, each value checked. */
export function retryPolicy(base: RetryPolicy, overrides: Partial<RetryPolicy> | undefined): RetryPolicy {
  if (!overrides) return base;
  const policy = { ...base, ...overrides };
  if (!(Number.isInteger(policy.maxAttempts) && policy.maxAttempts >= 1)) {
    throw localError(Code.INVALID_ARGUMENT, 'maxAttempts must be a whole number >= 1');
  }
  if (!(policy.initialBackoffMs >= 0 && policy.maxBackoffMs >= 0)) {
    throw localError(Code.INVALID_ARGUMENT, 'backoffs must be numbers >= 0');
  }
  if (!(policy.multiplier >= 1)) throw localError(Code.INVALID_ARGUMENT, 'multiplier must be >= 1');
  if (!(policy.jitter >= 0 && policy.jitter < 1)) throw localError(Code.INVALID_ARGUMENT, 'jitter must be in [0, 1)');
  return policy;
}

/** The shape of a retry policy's backoff, for {@link backoff}. */
export function retryBackoff(policy: RetryPolicy): BackoffShape {
  return {
    initialMs: policy.initialBackoffMs,
    multiplier: policy.multiplier,
    maxMs: policy.maxBackoffMs,
    jitter: policy.jitter,
  };
}

export interface RetryContext {
  readonly policy: RetryPolicy;
  readonly throttle: RetryThrottle;
  /** Absolute deadline over all attempts, or undefined for none. */
  readonly deadline: number | undefined;
  readonly signal: AbortSignal | undefined;
  /** Aborted when the client closes: a backoff in progress ends at once (CANCELLED). */
  readonly closing?: AbortSignal | undefined;
  /**
   * Called before each retry, once its delay is known: the attempt about to run (2, 3, ...),
   * the error that caused it, the delay in ms.
   */
  readonly onRetry?: ((attempt: number, error: OperationsError, delayMs: number) => void) | undefined;
}

/**
 * The retries after a first attempt failed with `first` (the first attempt's success, the
 * hot path, is the caller's): runs `attempt` again until it succeeds, fails with a code the
 * policy doesn't retry, the attempts or the throttle's tokens run out, the server's pushback
 * says stop, or the next backoff would end past the deadline: then the last error is
 * rethrown, before the deadline.
 */
export async function retryAfterFailure<T>(
  attempt: () => Promise<T>,
  first: OperationsError,
  context: RetryContext,
): Promise<T> {
  const { policy, throttle } = context;
  let e = first;
  for (let n = 1; ; n++) {
    if (e.local || e.aborted || !policy.retryableCodes.includes(e.code)) throw e;
    throttle.onFailure();
    if (n >= policy.maxAttempts || !throttle.allowsRetry) throw e;
    const pushback = e.retryPushbackMs;
    if (pushback !== undefined && pushback < 0) throw e; // the server says: don't retry
    const delay = pushback === undefined ? backoff(n - 1, retryBackoff(policy)) : serverHint(pushback);
    if (context.deadline !== undefined && Date.now() + delay >= context.deadline) throw e;
    context.onRetry?.(n + 1, e, delay);
    await sleep(delay, context.signal, context.closing);
    try {
      const result = await attempt();
      throttle.onSuccess();
      return result;
    } catch (error) {
      e = OperationsError.from(error);
    }
  }
}
