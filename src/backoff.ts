/**
 * The one backoff (jittered, exponential, capped) of retries, polls and quota slow-downs, and
 * the one sleep, which the caller's abort and the client's close() end at once.
 */
import { abortedError, endedByCloseError } from './errors';
import { listen, stopListening } from './abort';

/** The shape of a backoff: the first delay, its growth, its cap and its jitter. */
export interface BackoffShape {
  /** The first delay, in ms. */
  readonly initialMs: number;
  /** Each delay is the previous one times this (>= 1). */
  readonly multiplier: number;
  /** The longest delay, in ms. */
  readonly maxMs: number;
  /** Each delay is multiplied by a random factor in [1 - jitter, 1 + jitter]. */
  readonly jitter: number;
}

/** The delay number `n` (0 for the first) of a backoff of that shape, with jitter. */
export function backoff(n: number, shape: BackoffShape, random: () => number = Math.random): number {
  const base = Math.min(shape.maxMs, shape.initialMs * shape.multiplier ** n);
  return base * (1 - shape.jitter + 2 * shape.jitter * random());
}

/**
 * Resolves after `ms`; rejects with the abort error at once when `signal` aborts, and with
 * CANCELLED ("closed while in flight") at once when `closing` (a client's close()) aborts.
 */
export function sleep(ms: number, signal: AbortSignal | undefined, closing?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortedError(signal));
    if (closing?.aborted) return reject(endedByCloseError());
    const stop = (): void => {
      clearTimeout(timer);
      if (signal) stopListening(signal, onAbort);
      if (closing) stopListening(closing, onClose);
    };
    const onAbort = (): void => {
      stop();
      reject(abortedError(signal as AbortSignal));
    };
    const onClose = (): void => {
      stop();
      reject(endedByCloseError());
    };
    // Node takes a delay past 2^31 - 1 ms as 1 ms, with a warning: never longer than that.
    const timer = setTimeout(
      () => {
        stop();
        resolve();
      },
      Math.min(ms, 2 ** 31 - 1),
    );
    if (signal) listen(signal, onAbort);
    if (closing) listen(closing, onClose);
  });
}
