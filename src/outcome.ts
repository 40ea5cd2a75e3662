/**
 * What a wait takes (PollOptions) and what a cancel turned into (CancelOutcome): shared by the
 * client, cancelMany and interceptors.
 */
import { Code, type OperationsError } from './errors';
import type { PollPolicy } from './policy';
import type { Any, Operation } from './proto';
import { operationError } from './results';
import type { CallOptions } from './transport';

/** Options of cancelAndConfirm and waitForDone. */
export interface PollOptions extends Omit<CallOptions, 'timeoutMs'> {
  /** The whole wait, in ms; default the client's poll policy's (60 s). */
  readonly timeoutMs?: number;
  /** Overrides of the client's poll policy for this wait. */
  readonly pollPolicy?: Partial<PollPolicy>;
  /** Use WaitOperation where the transport has it (default true); false polls with GetOperation only. */
  readonly useWaitOperation?: boolean;
}

/**
 * What cancelAndConfirm found, always with the last Operation read:
 * - `cancelled`: done with `error.code = 1` (CANCELLED);
 * - `completed`: done with a response: it finished despite the cancel;
 * - `failed`: done with another error (kept with its details in `error`);
 * - `unsupported`: the server answered UNIMPLEMENTED to CancelOperation;
 * - `running`: not done when the wait's deadline came. Nothing was confirmed: the cancel may
 *   still take effect later.
 */
export type CancelOutcome =
  | {
      /** Done with CANCELLED. */
      readonly outcome: 'cancelled';
      /** The last state read. */
      readonly operation: Operation;
    }
  | {
      /** Done with a response, despite the cancel. */
      readonly outcome: 'completed';
      /** The last state read. */
      readonly operation: Operation;
      /** The operation's response, packed. */
      readonly response: Any | undefined;
    }
  | {
      /** Done with an error other than CANCELLED. */
      readonly outcome: 'failed';
      /** The last state read. */
      readonly operation: Operation;
      /** The operation's error, its details decoded. */
      readonly error: OperationsError;
    }
  | {
      /** The server answered UNIMPLEMENTED to CancelOperation. */
      readonly outcome: 'unsupported';
      /** The state read after that answer. */
      readonly operation: Operation;
      /** The UNIMPLEMENTED answer. */
      readonly error: OperationsError;
    }
  | {
      /** Not done by the wait's deadline: nothing confirmed. */
      readonly outcome: 'running';
      /** The last state read. */
      readonly operation: Operation;
    };

/** The outcome a final read of a cancelled-or-not operation says. Not done is `running`, never `cancelled`. */
export function cancelOutcome(operation: Operation): CancelOutcome {
  if (!operation.done) return { outcome: 'running', operation };
  const error = operationError(operation);
  if (!error) return { outcome: 'completed', operation, response: operation.response };
  return error.code === Code.CANCELLED ? { outcome: 'cancelled', operation } : { outcome: 'failed', operation, error };
}
