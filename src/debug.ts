/**
 * Debug logs the Node way: `NODE_DEBUG=longrun` prints one line per call, attempt, retry and
 * poll to stderr (util.debuglog), with the method, the name, the attempt, milliseconds and
 * the code. Never a credential: no metadata and no server text is printed, only codes.
 */
import { debuglog } from 'node:util';
import { codeName, OperationsError } from './errors';
import type { Call, CallHandler, Interceptor } from './interceptors';

const log = debuglog('longrun');

/** Whether NODE_DEBUG names longrun (read when a client is made). */
export function debugEnabled(): boolean {
  return log.enabled;
}

/** A debug line of `longrun/otel` (what trace context it left out, never its value). */
export function debugLine(format: string, ...args: unknown[]): void {
  log(format, ...args);
}

/** The result's words: `OK`, or the code's name (and `local` when nothing was sent). */
function outcomeOf(error: unknown): string {
  if (error === undefined) return 'OK';
  const e = OperationsError.from(error);
  return `${codeName(e.code)}${e.local ? ' local' : ''}${e.aborted ? ' aborted' : ''}`;
}

/** What a call is, in a line: a poll is an RPC of a wait. */
function kindOf(call: Call): string {
  if (call.parent === undefined) return 'call';
  return call.method === 'cancelOperation' ? 'call' : 'poll';
}

/** The interceptor NODE_DEBUG=longrun adds, innermost. */
export const debugInterceptor: Interceptor =
  (next: CallHandler): CallHandler =>
  async (call) => {
    const started = performance.now();
    const kind = kindOf(call);
    const method = call.procedure.slice(call.procedure.indexOf('/') + 1);
    const name = JSON.stringify(call.name);
    call.observe({
      onAttempt: ({ attempt, durationMs, error }) =>
        log('attempt %s %s %d %sms %s', method, name, attempt, durationMs.toFixed(1), outcomeOf(error)),
      onRetry: ({ attempt, delayMs, error }) =>
        log('retry %s %s %d in %sms after %s', method, name, attempt, delayMs.toFixed(0), outcomeOf(error)),
    });
    try {
      const result = await next(call);
      const done =
        call.method === 'cancelAndConfirm'
          ? ` ${(result as { outcome: string }).outcome}`
          : call.method === 'waitForDone' || call.method === 'getOperation' || call.method === 'waitOperation'
            ? ` done=${String((result as { done: boolean }).done)}`
            : '';
      log('%s %s %s %sms OK%s', kind, method, name, (performance.now() - started).toFixed(1), done);
      return result;
    } catch (error) {
      log('%s %s %s %sms %s', kind, method, name, (performance.now() - started).toFixed(1), outcomeOf(error));
      throw error;
    }
  };
