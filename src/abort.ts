/**
 * Listening to a caller's AbortSignal, cheaply. Node's EventTarget scans a signal's listeners
 * on every add (its duplicate check) and every remove: with one signal shared by the calls in
 * flight (cancelMany's, or a caller's shutdown signal), that is work in proportion to the
 * calls in flight, per call. Here a signal gets one listener of longrun's, the first time,
 * and each call registers in a Set: constant work either way.
 */
const callbacks = new WeakMap<AbortSignal, Set<() => void>>();

/**
 * Runs `callback` once when `signal` aborts, unless {@link stopListening} comes first. The
 * caller checks `signal.aborted` before: on an aborted signal this never runs `callback`.
 */
export function listen(signal: AbortSignal, callback: () => void): void {
  let set = callbacks.get(signal);
  if (set === undefined) {
    const created = new Set<() => void>();
    set = created;
    callbacks.set(signal, created);
    signal.addEventListener(
      'abort',
      () => {
        callbacks.delete(signal);
        for (const each of [...created]) each();
      },
      { once: true },
    );
  }
  set.add(callback);
}

/** Forgets `callback` (a call that ended). */
export function stopListening(signal: AbortSignal, callback: () => void): void {
  callbacks.get(signal)?.delete(callback);
}
