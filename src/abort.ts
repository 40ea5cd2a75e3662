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
