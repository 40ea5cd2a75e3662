/**
 * Cancelling many operations: names streamed in (an iterable or async iterable, read only as
 * fast as calls are made), results out in completion order, one per name whatever happens,
 * with a bound on calls in flight, an optional rate limit, and a slow-down on quota errors.
 */
import { setMaxListeners } from 'node:events';
import { backoff, sleep, type BackoffShape } from './backoff';
import { Code, OperationsError, retryInfoDelayMs } from './errors';
import type { CancelOutcome, PollOptions } from './outcome';
import type { CallOptions, Metadata } from './transport';

/** What cancelMany calls: an OperationsClient's two cancels. */
export interface Canceller {
  /** Asks for the cancel (see `OperationsClient.cancelOperation`). */
  cancelOperation(name: string, options?: CallOptions): Promise<void>;
  /** Cancels and confirms (see `OperationsClient.cancelAndConfirm`). */
  cancelAndConfirm(name: string, options?: PollOptions): Promise<CancelOutcome>;
}

/** Options of `OperationsClient.cancelMany`; all optional. */
export interface CancelManyOptions {
  /** Calls in flight at most. Default 32. */
  readonly concurrency?: number;
  /** Calls started per second at most. Default: no limit. */
  readonly ratePerSecond?: number;
  /** Confirm each cancel (cancelAndConfirm) instead of only asking (cancelOperation). Default false. */
  readonly wait?: boolean;
  /** Options of each confirmation, with `wait`. */
  readonly poll?: Omit<PollOptions, 'signal' | 'metadata'>;
  /** Metadata of every call. */
  readonly metadata?: Metadata;
  /** Each call's deadline, in ms (without `wait`). Default: the client's. */
  readonly timeoutMs?: number;
  /**
   * Stop: start no more calls; calls in flight go on; every name not yet started (including
   * those still to be read from the input) yields `not-attempted`.
   */
  readonly stop?: AbortSignal;
  /** Abort: as `stop`, and calls in flight are aborted too (they yield `error` with `aborted`). */
  readonly signal?: AbortSignal;
  /** Attempts per name when the server answers RESOURCE_EXHAUSTED (each after a slow-down). Default 8. */
  readonly quotaAttempts?: number;
}

/** The result of one name, in the words of the `longrun cancel` JSON lines. */
export type CancelManyResult =
  | {
      /** The name, as read from the input. */
      readonly name: string;
      /** The cancel was accepted (without `wait`): asked, not confirmed. */
      readonly outcome: 'requested';
    }
  | ({
      /** The name, as read from the input. */
      readonly name: string;
    } & CancelOutcome)
  | {
      /** The name, as read from the input. */
      readonly name: string;
      /** The call failed (invalid name, an error, quota attempts used up, abort). */
      readonly outcome: 'error';
      /** Why it failed. */
      readonly error: OperationsError;
    }
  | {
      /** The name, as read from the input. */
      readonly name: string;
      /** Never started: `stop` or `signal` came first. */
      readonly outcome: 'not-attempted';
    };

const DEFAULT_CONCURRENCY = 32;
/** The slow-down after a RESOURCE_EXHAUSTED: 1 s doubling up to 30 s, jitter 0.2. */
const QUOTA_BACKOFF: BackoffShape = { initialMs: 1000, multiplier: 2, maxMs: 30_000, jitter: 0.2 };

/**
 * Flow control shared by the calls of one cancelMany: a concurrency limit that halves on
 * RESOURCE_EXHAUSTED and grows back by one per limit's worth of successes (AIMD), a pause
 * every call waits out after a quota error, and the rate limit's schedule.
 */
class Flow {
  limit: number;
  private pausedUntil = 0;
  private nextStart = 0;

  constructor(
    readonly max: number,
    private readonly interval: number,
  ) {
    this.limit = max;
  }

  onSuccess(): void {
    if (this.limit < this.max) this.limit = Math.min(this.max, this.limit + 1 / this.limit);
  }

  onQuota(delayMs: number): void {
    this.limit = Math.max(1, this.limit / 2);
    this.pausedUntil = Math.max(this.pausedUntil, Date.now() + delayMs);
  }

  /** How long the next start must wait: the quota pause, then the rate limit's slot (taken). */
  delay(): number {
    const now = Date.now();
    const at = Math.max(now, this.pausedUntil, this.nextStart);
    if (this.interval > 0) this.nextStart = at + this.interval;
    return at - now;
  }
}

export async function* cancelMany(
  client: Canceller,
  names: Iterable<string> | AsyncIterable<string>,
  options: CancelManyOptions = {},
): AsyncGenerator<CancelManyResult, void, undefined> {
  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new OperationsError(Code.INVALID_ARGUMENT, 'concurrency must be a whole number >= 1', { local: true });
  }
  const rate = options.ratePerSecond;
  if (rate !== undefined && !(rate > 0)) {
    throw new OperationsError(Code.INVALID_ARGUMENT, 'ratePerSecond must be above 0', { local: true });
  }
  const flow = new Flow(concurrency, rate === undefined ? 0 : 1000 / rate);
  // The calls listen to one internal signal, which follows the caller's (and aborts the calls
  // in flight when the consumer leaves early). longrun's transports put one listener on it
  // however many calls are in flight; a custom transport may put one per call.
  const abort = new AbortController();
  setMaxListeners(concurrency + 16, abort.signal);
  const onAbort = (): void => abort.abort(options.signal?.reason);
  if (options.signal?.aborted) onAbort();
  options.signal?.addEventListener('abort', onAbort);
  const callOptions: CancelManyOptions = { ...options, signal: abort.signal };
  const iterator =
    Symbol.asyncIterator in names ? names[Symbol.asyncIterator]() : (names as Iterable<string>)[Symbol.iterator]();
  // A synchronous input (an array, a generator) is read without an await per name.
  const read = (): IteratorResult<string> | Promise<IteratorResult<string>> => iterator.next();
  const finished: CancelManyResult[] = [];
  let wake: (() => void) | undefined;
  let active = 0;
  let exhausted = false;
  const stopped = (): boolean => options.stop?.aborted === true || options.signal?.aborted === true;
  const onStop = (): void => wake?.();
  options.stop?.addEventListener('abort', onStop);
  options.signal?.addEventListener('abort', onStop);

  const settle = (result: CancelManyResult): void => {
    active--;
    finished.push(result);
    wake?.();
  };

  try {
    for (;;) {
      // Start calls while there is room, reading a name only when it can start. Results not yet
      // taken by the consumer count against the room: memory stays bounded by the limit.
      while (!exhausted && !stopped() && active + finished.length < Math.floor(flow.limit)) {
        const pending = read();
        const next = isThenable(pending) ? await pending : pending;
        if (next.done) {
          exhausted = true;
          break;
        }
        active++;
        void cancelOne(client, next.value, callOptions, flow).then(settle);
      }
      if (finished.length > 0) {
        yield finished.shift() as CancelManyResult;
        continue;
      }
      if (stopped() && !exhausted) {
        // Every name not started yields not-attempted, read to the end of the input.
        const next = await iterator.next();
        if (next.done) exhausted = true;
        else yield { name: next.value, outcome: 'not-attempted' };
        continue;
      }
      if (active === 0 && exhausted) return;
      await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
    }
  } finally {
    options.stop?.removeEventListener('abort', onStop);
    options.signal?.removeEventListener('abort', onStop);
    options.signal?.removeEventListener('abort', onAbort);
    // A consumer gone early: the calls still in flight are aborted, their results dropped.
    if (active > 0) abort.abort();
    // A consumer that stops early leaves the rest of the input unread: close the iterator.
    if (!exhausted) await iterator.return?.();
  }
}

/** One name: wait for a start slot, cancel (and confirm), slow down and try again on RESOURCE_EXHAUSTED. */
async function cancelOne(
  client: Canceller,
  name: string,
  options: CancelManyOptions,
  flow: Flow,
): Promise<CancelManyResult> {
  const { signal, metadata } = options;
  const attempts = options.quotaAttempts ?? 8;
  for (let attempt = 1; ; attempt++) {
    try {
      const wait = flow.delay();
      if (wait > 0) await sleep(wait, signal);
      if (options.wait) {
        const outcome = await client.cancelAndConfirm(name, { ...options.poll, signal, metadata });
        flow.onSuccess();
        return { name, ...outcome };
      }
      await client.cancelOperation(name, { signal, metadata, timeoutMs: options.timeoutMs });
      flow.onSuccess();
      return { name, outcome: 'requested' };
    } catch (reason) {
      const error = OperationsError.from(reason);
      if (error.code !== Code.RESOURCE_EXHAUSTED || attempt >= attempts || signal?.aborted) {
        return { name, outcome: 'error', error };
      }
      const hinted = retryInfoDelayMs(error) ?? 0;
      flow.onQuota(Math.max(hinted, backoff(attempt - 1, QUOTA_BACKOFF)));
    }
  }
}

function isThenable<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as Partial<PromiseLike<T>> | null)?.then === 'function';
}
