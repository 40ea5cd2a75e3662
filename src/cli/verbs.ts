/** The command's verbs on operations: get, list, delete, wait, cancel. Each resolves to its exit code. */
import type { CancelOutcome, OperationsClient } from '../client';
import { Code, OperationsError, codeName } from '../errors';
import { compileTemplate, validateName } from '../names';
import { operationTemplate } from '../http-rules';
import { connect, type ConnectionFlags } from './connect';
import { describeOperation, errorLine, operationLine, type Output } from './output';

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;
export const EXIT_INTERRUPTED = 130;

export interface CommonFlags extends ConnectionFlags {
  readonly json?: boolean;
  readonly quiet?: boolean;
  /** The whole wait of `wait` and `cancel --wait`, in ms. */
  readonly timeout?: number;
}

/** Runs `work` with a client, closing it after; a failure prints one line and gives its exit code. */
async function withClient(
  flags: CommonFlags,
  io: Output,
  name: string,
  work: (client: OperationsClient) => Promise<number>,
): Promise<number> {
  const client = connect(flags);
  try {
    return await work(client);
  } catch (error) {
    const e = OperationsError.from(error);
    if (flags.json) io.out(errorLine(name, e));
    else io.err(`longrun: ${name}: ${e.message}`);
    return e.local && e.code === Code.INVALID_ARGUMENT ? EXIT_USAGE : EXIT_FAILED;
  } finally {
    await client.close();
  }
}

export function getVerb(name: string, flags: CommonFlags, io: Output): Promise<number> {
  return withClient(flags, io, name, async (client) => {
    const op = await client.getOperation(name);
    io.out(flags.json ? operationLine(op) : describeOperation(op));
    return EXIT_OK;
  });
}

export function listVerb(
  parent: string,
  flags: CommonFlags & { filter?: string; pageSize?: number; limit?: number },
  io: Output,
): Promise<number> {
  return withClient(flags, io, parent, async (client) => {
    let n = 0;
    if (flags.limit === 0) return EXIT_OK;
    for await (const op of client.listOperations(parent, {
      ...(flags.filter !== undefined && { filter: flags.filter }),
      ...(flags.pageSize !== undefined && { pageSize: flags.pageSize }),
    })) {
      io.out(flags.json ? operationLine(op) : describeOperation(op));
      if (++n === flags.limit) break;
    }
    if (!flags.json && !flags.quiet) io.err(`${n} operation${n === 1 ? '' : 's'}`);
    return EXIT_OK;
  });
}

export function deleteVerb(name: string, flags: CommonFlags, io: Output): Promise<number> {
  return withClient(flags, io, name, async (client) => {
    await client.deleteOperation(name);
    if (flags.json) io.out(JSON.stringify({ name, deleted: true }));
    else if (!flags.quiet) io.out(`deleted ${name}`);
    return EXIT_OK;
  });
}

/** Waits until the operation is done: exit 0 once done (whatever its result), 1 if still running at the deadline. */
export function waitVerb(name: string, flags: CommonFlags, io: Output): Promise<number> {
  return withClient(flags, io, name, async (client) => {
    const op = await client.waitForDone(name, flags.timeout === undefined ? {} : { timeoutMs: flags.timeout });
    io.out(flags.json ? operationLine(op) : describeOperation(op));
    return op.done ? EXIT_OK : EXIT_FAILED;
  });
}

/** The outcome words of `cancel`'s JSON lines. */
export type CancelLineOutcome = 'requested' | CancelOutcome['outcome'] | 'error' | 'not-attempted';

export interface CancelLine {
  readonly name: string;
  readonly outcome: CancelLineOutcome;
  readonly code?: number;
  readonly message?: string;
}

/** The line of a cancel's result; `code` and `message` when there is an error. */
export function cancelLine(name: string, result: CancelOutcome | 'requested' | OperationsError): CancelLine {
  if (result === 'requested') return { name, outcome: 'requested' };
  if (result instanceof OperationsError)
    return { name, outcome: 'error', code: result.code, message: result.rawMessage };
  if (result.outcome === 'failed' || result.outcome === 'unsupported') {
    return { name, outcome: result.outcome, code: result.error.code, message: result.error.rawMessage };
  }
  return { name, outcome: result.outcome };
}

const HUMAN: Readonly<Record<CancelLineOutcome, string>> = {
  requested: 'cancel requested',
  cancelled: 'cancelled',
  completed: 'completed despite the cancel',
  failed: 'failed',
  unsupported: 'cancel not supported by the server',
  running: 'still running at the deadline (the cancel may take effect later)',
  error: 'error',
  'not-attempted': 'not attempted',
};

export function formatCancelLine(line: CancelLine, json: boolean | undefined): string {
  if (json) return JSON.stringify(line);
  const detail = line.code === undefined ? '' : `: ${codeName(line.code)}${line.message ? ` ${line.message}` : ''}`;
  return `${line.name}  ${HUMAN[line.outcome]}${detail}`;
}

/** Whether a line counts as success: with --wait only a confirmed cancel or completion does. */
export function succeeded(line: CancelLine, wait: boolean): boolean {
  return wait ? line.outcome === 'cancelled' || line.outcome === 'completed' : line.outcome === 'requested';
}

/**
 * `cancel NAME...`: invalid names get an error line and nothing is sent for them (exit 2);
 * the others are cancelled, with `--wait` confirmed, a few at a time, each writing one line.
 */
export function cancelVerb(
  names: readonly string[],
  flags: CommonFlags & { wait?: boolean },
  io: Output,
): Promise<number> {
  const client = connect(flags);
  return (async () => {
    const template = compileTemplate(operationTemplate(client.transport.rules).source);
    let invalid = false;
    let failed = false;
    const valid: string[] = [];
    for (const name of names) {
      try {
        valid.push(validateName(name, template));
      } catch (error) {
        invalid = true;
        io.out(formatCancelLine(cancelLine(name, OperationsError.from(error)), flags.json));
      }
    }
    const run = async (name: string): Promise<void> => {
      let result: CancelOutcome | 'requested' | OperationsError;
      try {
        if (flags.wait)
          result = await client.cancelAndConfirm(name, flags.timeout === undefined ? {} : { timeoutMs: flags.timeout });
        else {
          await client.cancelOperation(name);
          result = 'requested';
        }
      } catch (error) {
        result = OperationsError.from(error);
      }
      const line = cancelLine(name, result);
      if (!succeeded(line, flags.wait === true)) failed = true;
      if (!(flags.quiet && !flags.json && succeeded(line, flags.wait === true)))
        io.out(formatCancelLine(line, flags.json));
    };
    const queue = valid.values();
    const worker = async (): Promise<void> => {
      for (let next = queue.next(); !next.done; next = queue.next()) await run(next.value);
    };
    await Promise.all(Array.from({ length: Math.min(32, valid.length) }, worker));
    if (invalid) return EXIT_USAGE;
    return failed ? EXIT_FAILED : EXIT_OK;
  })().finally(() => client.close());
}
