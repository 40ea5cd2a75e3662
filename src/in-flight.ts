/**
 * The calls a transport has in flight, so that close() can let them finish for a grace
 * period, then end the rest, and resolve only once every one has settled.
 */
import { Code, localError } from './errors';
import { DEFAULT_CLOSE_GRACE_MS, type CloseOptions } from './transport';

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
   * waits (briefly) for them to settle, then runs `release` (closing connections).
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
      for (const call of [...this.calls]) end(call);
      await this.settled(SETTLE_MS);
      await release();
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
