/**
 * Listening to a caller's AbortSignal, cheaply. Node's EventTarget scans a signal's listeners
 * on every add (its duplicate check) and every remove: with one signal shared by the calls in
 * flight (cancelMany's, or a caller's shutdown signal), that is work in proportion to the
 * calls in flight, per call. Here a signal carries one listener of longrun's while any call
 * listens, and each call registers in a Set: constant work either way. The listener goes when
 * the last call ends, so a signal longrun no longer listens to is as free to be collected as
 * before (Node keeps an `AbortSignal.timeout()` signal alive while it has listeners).
 */
interface Listening {
  readonly callbacks: Set<() => void>;
  readonly onAbort: () => void;
}

const listening = new WeakMap<AbortSignal, Listening>();

/**
 * Runs `callback` once when `signal` aborts, unless {@link stopListening} comes first. The
 * caller checks `signal.aborted` before: on an aborted signal this never runs `callback`.
 */
export function listen(signal: AbortSignal, callback: () => void): void {
  let entry = listening.get(signal);
  if (entry === undefined) {
    const callbacks = new Set<() => void>();
    const onAbort = (): void => {
      for (const each of [...callbacks]) {
        if (!callbacks.delete(each)) continue; // forgotten by an earlier one
        try {
          each();
        } catch (error) {
          // As an EventTarget does with a throwing listener: the others still run.
          process.nextTick(() => {
            throw error;
          });
        }
      }
      listening.delete(signal);
    };
    entry = { callbacks, onAbort };
    listening.set(signal, entry);
    signal.addEventListener('abort', onAbort, { once: true });
  }
  entry.callbacks.add(callback);
}

/** Forgets `callback` (its call ended); the last one gone takes longrun's listener off the signal. */
export function stopListening(signal: AbortSignal, callback: () => void): void {
  const entry = listening.get(signal);
  if (entry === undefined) return;
  entry.callbacks.delete(callback);
  if (entry.callbacks.size === 0) {
    listening.delete(signal);
    signal.removeEventListener('abort', entry.onAbort);
  }
}

/** What may end a wait before the promise waited on settles (see {@link firstOf}). */
export interface WaitEnds {
  /** The caller's signal: its abort rejects with `onAbort()`. */
  readonly signal?: AbortSignal | undefined;
  readonly onAbort?: () => Error;
  /** When the wait ends, in `Date.now()` ms (undefined or Infinity: never): rejects with `onDeadline()`. */
  readonly deadline?: number | undefined;
  readonly onDeadline?: () => Error;
  /** The owner closing (a client, a transport): rejects with `onClose()`. */
  readonly closing?: AbortSignal | undefined;
  readonly onClose?: () => Error;
  /**
   * Or an owner that ends what it holds by calling `cancel()` (a transport's calls in flight):
   * the wait is added to it while it lasts, and its `cancel()` rejects with `onClose()`.
   */
  readonly owner?: Owner | undefined;
}

/** What holds cancellable waits: a transport's calls in flight. */
export interface Owner {
  add(waiter: { cancel(): void }): void;
  delete(waiter: { cancel(): void }): void;
}

/**
 * `pending`'s outcome, unless one of `ends` comes first (an abort, the deadline, the owner
 * closing), whose error it then rejects with; the timer and listeners go once it settles.
 * For the waits before a call is sent (credentials, a name not yet known): a deadline starts
 * with its call, and a close settles every promise.
 */
export function firstOf<T>(pending: PromiseLike<T>, ends: WaitEnds): Promise<T> {
  const { signal, deadline, closing, owner } = ends;
  if (signal?.aborted && ends.onAbort) return Promise.reject(ends.onAbort());
  if (closing?.aborted && ends.onClose) return Promise.reject(ends.onClose());
  return new Promise<T>((resolve, reject) => {
    let done = false;
    const finish = (): boolean => {
      if (done) return false;
      done = true;
      clearTimeout(timer);
      if (onAbort) stopListening(signal as AbortSignal, onAbort);
      if (onClose) stopListening(closing as AbortSignal, onClose);
      owner?.delete(waiter);
      return true;
    };
    const fail = (error: Error): void => {
      if (finish()) reject(error);
    };
    const onAbort = signal && ends.onAbort && ((): void => fail((ends.onAbort as () => Error)()));
    const onClose = closing && ends.onClose && ((): void => fail((ends.onClose as () => Error)()));
    const waiter = { cancel: (): void => fail(ends.onClose ? ends.onClose() : new Error('closed')) };
    owner?.add(waiter);
    const timer =
      deadline === undefined || deadline === Infinity || !ends.onDeadline
        ? undefined
        : setTimeout(() => fail((ends.onDeadline as () => Error)()), Math.max(0, deadline - Date.now()));
    if (onAbort) listen(signal as AbortSignal, onAbort);
    if (onClose) listen(closing as AbortSignal, onClose);
    pending.then(
      (value) => {
        if (finish()) resolve(value);
      },
      (error: unknown) => {
        if (finish()) reject(error);
      },
    );
  });
}
