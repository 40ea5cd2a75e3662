/**
 * Cancelling many operations: names streamed in (an iterable or async iterable, read only as
 * fast as calls are made), results out in completion order, one per name whatever happens,
 * with a bound on calls in flight, an optional rate limit, and a slow-down on quota errors.
 * cancelMatching feeds the same machinery from ListOperations, page by page.
 */
import { setMaxListeners } from 'node:events';
import { backoff, sleep, type BackoffShape } from './backoff';
import { Code, OperationsError, retryInfoDelayMs } from './errors';
import { pages } from './paging';
import type { CancelOutcome, PollOptions } from './outcome';
import type { Operation } from './proto';
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

/** What cancelMatching calls: a Canceller that also lists (an OperationsClient). */
export interface MatchingCanceller extends Canceller {
  /** One page of ListOperations (see `OperationsClient.listOperationsPage`). */
  listOperationsPage(
    parent: string,
    options: CallOptions & { readonly filter?: string; readonly pageSize?: number; readonly pageToken?: string },
  ): Promise<{
    /** The operations of this page. */
    readonly operations: readonly Operation[];
    /** '' on the last page. */
    readonly nextPageToken: string;
  }>;
}

/** Options of `OperationsClient.cancelMatching`: cancelMany's, and what to list; all optional. */
export interface CancelMatchingOptions extends CancelManyOptions {
  /** The AIP-160 filter of ListOperations, e.g. `done = false`. Default '' (every operation under the parent). */
  readonly filter?: string;
  /** Operations per page asked of the server. Default 0: the server's choice. Memory holds one page. */
  readonly pageSize?: number;
  /** List only: each operation that would be cancelled yields `would-cancel`, and no cancel is sent. Default false. */
  readonly dryRun?: boolean;
  /** Operations for which this returns true yield `skipped` and are not cancelled (e.g. those an earlier run did). */
  readonly skip?: (operation: Operation) => boolean;
}

/**
 * The result of one listed operation: cancelMany's results, and four outcomes decided from
 * the listing with no call: `would-cancel` (dry run), `already-done`, `skipped`, and
 * `outside-parent` (the server listed an operation not under the parent: never cancelled).
 */
export type CancelMatchingResult =
  | CancelManyResult
  | {
      /** The operation's name, as listed. */
      readonly name: string;
      /** Dry run: it would have been cancelled (listed, not done, not skipped); nothing was sent. */
      readonly outcome: 'would-cancel';
      /** The operation as listed. */
      readonly operation: Operation;
    }
  | {
      /** The operation's name, as listed. */
      readonly name: string;
      /** Listed already done (the filter let it through): nothing to cancel, nothing sent. */
      readonly outcome: 'already-done';
      /** The operation as listed, with its response or error. */
      readonly operation: Operation;
    }
  | {
      /** The operation's name, as listed. */
      readonly name: string;
      /** The `skip` option said so: nothing sent. */
      readonly outcome: 'skipped';
      /** The operation as listed. */
      readonly operation: Operation;
    }
  | {
      /** The operation's name, as listed: not under the parent asked for. */
      readonly name: string;
      /** The server listed an operation outside the parent: nothing sent (a failure of the listing, not of a cancel). */
      readonly outcome: 'outside-parent';
      /** The operation as listed. */
      readonly operation: Operation;
    };

/** A result decided from the listing alone, with no call. */
type Decided = Exclude<CancelMatchingResult, CancelManyResult>;

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

export function cancelMany(
  client: Canceller,
  names: Iterable<string> | AsyncIterable<string>,
  options: CancelManyOptions = {},
): AsyncGenerator<CancelManyResult, void, undefined> {
  // Names only in, so only CancelManyResults out.
  return run(client, names, options) as AsyncGenerator<CancelManyResult, void, undefined>;
}

/**
 * Lists the operations under `parent` (with `filter`) and cancels them in one streaming pass:
 * a page is asked for only once every name of the previous one has started, so memory holds
 * one page plus the calls in flight, whatever the count. Each listed operation yields one
 * result, as cancelMany's, or without a call: `already-done` for one listed done, `skipped`
 * for one `skip` picks, `would-cancel` under `dryRun`. `stop` (or `signal`) asks for no
 * further page: the rest of the page in hand yields `not-attempted`, and operations never
 * listed yield nothing (run again to go on: a `done = false` filter lists only what's left).
 *
 * A listing that fails ends the input: calls in flight finish and yield, then the generator
 * throws the list's OperationsError (at once when it is the first page, e.g. an invalid
 * parent or filter).
 *
 * Paging while cancelling: with a filter the cancels change (`done = false`), operations
 * leave the result set between pages. That is safe with cursor page tokens (the next page
 * starts after the last operation returned, as the emulator's and Google's do); a server
 * whose tokens are offsets into the result set would skip some, and a second run picks up
 * whatever is left.
 */
export async function* cancelMatching(
  client: MatchingCanceller,
  parent: string,
  options: CancelMatchingOptions = {},
): AsyncGenerator<CancelMatchingResult, void, undefined> {
  const { filter, pageSize, dryRun, skip, signal, metadata, timeoutMs } = options;
  const stopped = (): boolean => options.stop?.aborted === true || signal?.aborted === true;
  let listError: OperationsError | undefined;
  const under = `${parent}/`;
  async function* listed(): AsyncGenerator<string | Decided, void, undefined> {
    if (stopped()) return;
    const fetch = (pageToken: string): ReturnType<MatchingCanceller['listOperationsPage']> =>
      client.listOperationsPage(parent, {
        ...(filter !== undefined && { filter }),
        ...(pageSize !== undefined && { pageSize }),
        pageToken,
        ...(signal !== undefined && { signal }),
        ...(metadata !== undefined && { metadata }),
        ...(timeoutMs !== undefined && { timeoutMs }),
      });
    try {
      for await (const page of pages(parent, fetch)) {
        for (const operation of page.operations) {
          const name = operation.name;
          // A server listing another parent's operation here never gets it cancelled.
          if (!name.startsWith(under)) yield { name, outcome: 'outside-parent', operation };
          else if (skip?.(operation) === true) yield { name, outcome: 'skipped', operation };
          else if (operation.done) yield { name, outcome: 'already-done', operation };
          else if (dryRun === true) yield { name, outcome: 'would-cancel', operation };
          else yield name;
        }
        if (stopped()) return;
      }
    } catch (error) {
      listError = OperationsError.from(error);
    }
  }
  yield* run(client, listed(), options);
  if (listError !== undefined) throw listError;
}

/**
 * cancelMany's machinery. The input holds names and, from cancelMatching, results already
 * decided without a call (dry run, skipped, already done): those pass through in input order,
 * counted against the room like results not yet taken, so memory stays bounded either way.
 */
async function* run(
  client: Canceller,
  names: Iterable<string | Decided> | AsyncIterable<string | Decided>,
  options: CancelManyOptions,
): AsyncGenerator<CancelMatchingResult, void, undefined> {
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
    Symbol.asyncIterator in names
      ? names[Symbol.asyncIterator]()
      : (names as Iterable<string | Decided>)[Symbol.iterator]();
  // A synchronous input (an array, a generator) is read without an await per name.
  const read = (): IteratorResult<string | Decided> | Promise<IteratorResult<string | Decided>> => iterator.next();
  const finished: CancelMatchingResult[] = [];
  let wake: (() => void) | undefined;
  let active = 0;
  let exhausted = false;
  const stopped = (): boolean => options.stop?.aborted === true || options.signal?.aborted === true;
  const onStop = (): void => wake?.();
  options.stop?.addEventListener('abort', onStop);
  options.signal?.addEventListener('abort', onStop);

  const settle = (result: CancelMatchingResult): void => {
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
        if (typeof next.value !== 'string') {
          finished.push(next.value);
          continue;
        }
        active++;
        void cancelOne(client, next.value, callOptions, flow).then(settle);
      }
      if (finished.length > 0) {
        yield finished.shift() as CancelMatchingResult;
        continue;
      }
      if (stopped() && !exhausted) {
        // Every name not started yields not-attempted, read to the end of the input.
        const next = await iterator.next();
        if (next.done) exhausted = true;
        else yield typeof next.value === 'string' ? { name: next.value, outcome: 'not-attempted' } : next.value;
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
