/**
 * The calls a transport has in flight, so that close() can let them finish for a grace
 * period, then end the rest, and resolve only once every one has settled.
 */
import { firstOf } from './abort';
import { Code, OperationsError, abortedError, closedTransportError, localError } from './errors';
import { METHOD_NAMES, type MethodKey } from './proto';
import { DEFAULT_CLOSE_GRACE_MS, type CloseOptions, type Metadata } from './transport';

/** What close() can end: a call in flight, or a call still waiting for its credentials. */
export interface Cancellable {
  cancel(): void;
}

/** How long close() waits for calls it ended to settle (they do at once; this only bounds a broken one). */
const SETTLE_MS = 1_000;

export class InFlight<T> {
  private readonly calls = new Set<T>();
  private onEmpty: (() => void) | undefined;
  /** close() has begun: new calls are refused. */
  closed = false;
  /** close()'s grace is over: calls still in flight are being ended by it. */
  ending = false;
  private closing: Promise<void> | undefined;

  add(call: T): void {
    this.calls.add(call);
  }

  delete(call: T): void {
    if (this.calls.delete(call) && this.calls.size === 0) this.onEmpty?.();
  }

  /**
   * Closes once: waits up to the grace for the calls in flight, gives each one left to `end`,
   * runs `release` (closing connections) and resolves once it is done and the calls have
   * settled (or after a second, for a broken one).
   */
  close(options: CloseOptions | undefined, end: (call: T) => void, release: () => Promise<void> | void): Promise<void> {
    if (this.closing) return this.closing;
    this.closed = true;
    const graceMs = options?.graceMs ?? DEFAULT_CLOSE_GRACE_MS;
    if (!(typeof graceMs === 'number' && graceMs >= 0)) {
      return Promise.reject(localError(Code.INVALID_ARGUMENT, 'graceMs must be a number >= 0'));
    }
    this.closing = (async () => {
      await this.settled(graceMs);
      this.ending = true;
      // Connections closed first: the calls on them end with them at once (thousands in
      // flight end in one go, not one abort after the other), then each is ended for sure.
      const released = release();
      for (const call of [...this.calls]) end(call);
      await Promise.all([released, this.settled(SETTLE_MS)]);
    })();
    return this.closing;
  }

  /** Resolves when no call is in flight, or after `ms`. */
  private settled(ms: number): Promise<void> {
    if (this.calls.size === 0 || ms === 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, Math.min(ms, 2 ** 31 - 1));
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.onEmpty = done;
    }).finally(() => (this.onEmpty = undefined));
  }
}

/**
 * A call's credentials, waited for no longer than the call itself (RELIABILITY 37): its
 * deadline ends the wait with DEADLINE_EXCEEDED, its signal with its abort, and the
 * transport's close() (the wait is one of `inFlight`'s calls) with FAILED_PRECONDITION
 * "transport is closed", each local: nothing was sent. A refusal is an OperationsError.
 */
export async function awaitCredentials(
  pending: Promise<Metadata | undefined>,
  call: {
    readonly method: MethodKey;
    readonly deadline?: number | undefined;
    readonly signal?: AbortSignal | undefined;
  },
  inFlight: InFlight<Cancellable>,
): Promise<Metadata | undefined> {
  const { signal } = call;
  try {
    return await firstOf(pending, {
      signal,
      onAbort: () => abortedError(signal as AbortSignal),
      deadline: call.deadline,
      onDeadline: () =>
        localError(
          Code.DEADLINE_EXCEEDED,
          `deadline exceeded waiting for credentials (${METHOD_NAMES[call.method]}): nothing was sent`,
        ),
      owner: inFlight,
      onClose: closedTransportError,
    });
  } catch (error) {
    throw OperationsError.from(error);
  }
}
