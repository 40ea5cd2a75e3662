/** The command's verbs on operations: get, list, delete, wait, cancel. Each resolves to its exit code. */
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import type { Options as BarOptions, Params as BarParams } from 'cli-progress';
import {
  Code,
  MAX_NAME_LENGTH,
  OperationsError,
  codeName,
  type CancelMatchingResult,
  type CancelOutcome,
  type OperationsClient,
} from '..';
import { checkConnectionFlags, connect, prepareConnection, type Connection, type ConnectionFlags } from './connect';
import { UsageError, openNames, plainReason } from './files';
import { readLines, type LongLine } from './lines';
import { describeOperation, errorLine, errorText, oneLine, operationLine, stdio, tidyMessage, type Io } from './output';

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;
export const EXIT_INTERRUPTED = 130;
/** stdout closed before the end (`longrun ... | head -1`): as a process killed by SIGPIPE exits. */
export const EXIT_OUTPUT_CLOSED = 141;

export interface CommonFlags extends ConnectionFlags {
  readonly json?: boolean;
  readonly quiet?: boolean;
  /** The whole wait of `wait` and `cancel --wait`, in ms. */
  readonly timeout?: number;
}

/**
 * Runs `setup`, the checks and reads that come before any call; a UsageError prints its one
 * line and gives EXIT_USAGE (a number), anything else is thrown on.
 */
async function beforeAnyCall<T extends object>(io: Io, setup: () => Promise<T>): Promise<T | number> {
  try {
    return await setup();
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.err(`longrun: ${error.message}`);
    return EXIT_USAGE;
  }
}

/** Runs `work` with a client, closing it after; a failure prints one line and gives its exit code. */
async function withClient(
  flags: CommonFlags,
  io: Io,
  name: string,
  work: (client: OperationsClient) => Promise<number>,
): Promise<number> {
  const connection = await beforeAnyCall(io, () => prepareConnection(flags, io.stdin, io.env));
  if (typeof connection === 'number') return connection;
  const client = connect(connection);
  try {
    return await work(client);
  } catch (error) {
    const e = OperationsError.from(error);
    if (flags.json) io.out(errorLine(name, e));
    else io.err(`longrun: ${name}: ${errorText(e)}`);
    return e.local && e.code === Code.INVALID_ARGUMENT ? EXIT_USAGE : EXIT_FAILED;
  } finally {
    await client.close();
  }
}

export function getVerb(name: string, flags: CommonFlags, io: Io): Promise<number> {
  return withClient(flags, io, name, async (client) => {
    const op = await client.getOperation(name);
    io.out(flags.json ? operationLine(op) : describeOperation(op));
    return EXIT_OK;
  });
}

export function listVerb(
  parent: string,
  flags: CommonFlags & { filter?: string; pageSize?: number; limit?: number },
  io: Io,
): Promise<number> {
  return withClient(flags, io, parent, async (client) => {
    let n = 0;
    if (flags.limit === 0) return EXIT_OK;
    for await (const op of client.listOperations(parent, {
      ...(flags.filter !== undefined && { filter: flags.filter }),
      ...(flags.pageSize !== undefined && { pageSize: flags.pageSize }),
    })) {
      io.out(flags.json ? operationLine(op) : describeOperation(op));
      if (++n === flags.limit || io.outputClosed.aborted) break;
    }
    if (!flags.json && !flags.quiet) io.err(`${n} operation${n === 1 ? '' : 's'}`);
    return EXIT_OK;
  });
}

export function deleteVerb(name: string, flags: CommonFlags, io: Io): Promise<number> {
  return withClient(flags, io, name, async (client) => {
    await client.deleteOperation(name);
    if (flags.json) io.out(JSON.stringify({ name, deleted: true }));
    else if (!flags.quiet) io.out(`deleted ${name}`);
    return EXIT_OK;
  });
}

/** Waits until the operation is done: exit 0 once done (whatever its result), 1 if still running at the deadline. */
export function waitVerb(name: string, flags: CommonFlags, io: Io): Promise<number> {
  return withClient(flags, io, name, async (client) => {
    const op = await client.waitForDone(name, flags.timeout === undefined ? {} : { timeoutMs: flags.timeout });
    io.out(flags.json ? operationLine(op) : describeOperation(op));
    return op.done ? EXIT_OK : EXIT_FAILED;
  });
}

/** The outcome words of `cancel`'s JSON lines. */
export type CancelLineOutcome =
  | 'requested'
  | CancelOutcome['outcome']
  | 'error'
  | 'not-attempted'
  | 'skipped'
  | 'would-cancel'
  | 'already-done'
  | 'outside-parent';

/** The outcomes decided without a call. */
type Uncalled = 'requested' | 'not-attempted' | 'skipped' | 'would-cancel' | 'already-done' | 'outside-parent';

export interface CancelLine {
  readonly name: string;
  readonly outcome: CancelLineOutcome;
  readonly code?: number;
  readonly message?: string;
}

/** The line of a cancel's result; `code` and `message` when there is an error. */
export function cancelLine(name: string, result: CancelOutcome | Uncalled | OperationsError): CancelLine {
  if (typeof result === 'string') return { name, outcome: result };
  if (result instanceof OperationsError)
    return { name, outcome: 'error', code: result.code, message: tidyMessage(result.rawMessage) };
  if (result.outcome === 'failed' || result.outcome === 'unsupported') {
    return { name, outcome: result.outcome, code: result.error.code, message: tidyMessage(result.error.rawMessage) };
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
  skipped: 'skipped (done in the earlier run)',
  'would-cancel': 'would be cancelled (dry run: nothing sent)',
  'already-done': 'already done (nothing sent)',
  'outside-parent': 'listed by the server outside the parent (nothing sent)',
};

/** The line of one result of cancelMany or cancelMatching. */
function resultLine(result: CancelMatchingResult): CancelLine {
  switch (result.outcome) {
    case 'requested':
    case 'not-attempted':
    case 'skipped':
    case 'would-cancel':
    case 'already-done':
    case 'outside-parent':
      return cancelLine(result.name, result.outcome);
    case 'error':
      return cancelLine(result.name, result.error);
    default:
      return cancelLine(result.name, result);
  }
}

export function formatCancelLine(line: CancelLine, json: boolean | undefined): string {
  if (json) return JSON.stringify(line);
  const detail = line.code === undefined ? '' : `: ${codeName(line.code)}${line.message ? ` ${line.message}` : ''}`;
  return oneLine(`${line.name}  ${HUMAN[line.outcome]}${detail}`);
}

/** Outcomes that are success with or without --wait: nothing was to be sent. */
const NOTHING_TO_DO: ReadonlySet<CancelLineOutcome> = new Set(['skipped', 'would-cancel', 'already-done']);

/**
 * Whether a line counts as success: with --wait only a confirmed cancel or completion does;
 * a dry run's, a skipped or an already-done operation always does.
 */
export function succeeded(line: CancelLine, wait: boolean): boolean {
  if (NOTHING_TO_DO.has(line.outcome)) return true;
  return wait ? line.outcome === 'cancelled' || line.outcome === 'completed' : line.outcome === 'requested';
}

export interface CancelFlags extends CommonFlags {
  readonly wait?: boolean;
  /** A file of names, one per line, or `-` for standard input. */
  readonly from?: string;
  readonly concurrency?: number;
  /** Calls started per second at most. */
  readonly rate?: number;
  /** An earlier run's `--json` output: names it cancelled (or saw completed) are skipped. */
  readonly skipDone?: string;
  /** Cancel what ListOperations lists under this parent, instead of names. */
  readonly parent?: string;
  /** With `parent`: ListOperations' filter, e.g. `done = false`. */
  readonly filter?: string;
  /** With `parent`: operations per page asked of the server. */
  readonly pageSize?: number;
  /** With `parent`: print what would be cancelled, send no cancel. */
  readonly dryRun?: boolean;
}

/** How long calls in flight may finish after Ctrl-C before they are aborted. */
export const GRACE_MS = 5_000;

/**
 * `cancel NAME... | --from FILE`: streams the names through cancelMany (memory stays flat
 * for any input), one line per name in completion order. Invalid names get an error line and
 * nothing is sent for them (exit 2); Ctrl-C stops starting calls, lets those in flight finish
 * for a few seconds, writes `not-attempted` for the rest, prints a summary (exit 130).
 *
 * `cancel --parent PARENT [--filter EXPR] [--dry-run]`: the same, fed by cancelMatching (one
 * streaming pass over ListOperations). Ctrl-C asks for no further page: the rest of the page
 * in hand is `not-attempted`. A listing that fails prints its error after the results of the
 * calls in flight (exit 1; 2 for an invalid parent or filter caught before sending).
 */
export async function cancelVerb(names: readonly string[], flags: CancelFlags, io: Io): Promise<number> {
  const setup = await beforeAnyCall(io, () => prepareCancel(flags, names, io));
  if (typeof setup === 'number') return setup;
  const client = connect(setup.connection);
  const stop = new AbortController();
  const abort = new AbortController();
  let grace: NodeJS.Timeout | undefined;
  const onSigint = (): void => {
    if (stop.signal.aborted) abort.abort(); // a second Ctrl-C: abort now
    stop.abort();
    grace ??= setTimeout(() => abort.abort(), GRACE_MS).unref();
  };
  process.on('SIGINT', onSigint);
  // stdout gone (its reader left): start no more cancels; those in flight finish.
  const onOutputClosed = (): void => stop.abort();
  io.outputClosed.addEventListener('abort', onOutputClosed, { once: true });
  const counts: Record<string, number> = {};
  let invalid = 0;
  let failed = 0;
  const started = io.now();
  let listFailure: OperationsError | undefined;
  const progress =
    flags.json && !process.stdout.isTTY
      ? undefined
      : await openProgress(io, flags.parent === undefined ? names.length : undefined, flags.from);
  try {
    const options = {
      wait: flags.wait === true,
      ...(flags.timeout !== undefined && { poll: { timeoutMs: flags.timeout } }),
      ...(flags.callTimeout !== undefined && { timeoutMs: flags.callTimeout }),
      ...(flags.concurrency !== undefined && { concurrency: flags.concurrency }),
      ...(flags.rate !== undefined && { ratePerSecond: flags.rate }),
      stop: stop.signal,
      signal: abort.signal,
    };
    const skip = setup.skip;
    const results: AsyncIterable<CancelMatchingResult> =
      flags.parent === undefined
        ? client.cancelMany(
            nameSource(
              names,
              setup.source,
              io.stdin,
              skip,
              (name) => {
                counts['skipped'] = (counts['skipped'] ?? 0) + 1;
                return io.write(formatCancelLine({ name, outcome: 'skipped' }, flags.json));
              },
              (long) => {
                counts['error'] = (counts['error'] ?? 0) + 1;
                invalid++;
                return io.write(formatCancelLine(longLineResult(long, flags.from ?? '-'), flags.json));
              },
            ),
            options,
          )
        : client.cancelMatching(flags.parent, {
            ...options,
            ...(flags.filter !== undefined && { filter: flags.filter }),
            ...(flags.pageSize !== undefined && { pageSize: flags.pageSize }),
            dryRun: flags.dryRun === true,
            ...(skip !== undefined && { skip: (operation) => skip.has(operation.name) }),
          });
    try {
      for await (const result of results) {
        const line = resultLine(result);
        counts[line.outcome] = (counts[line.outcome] ?? 0) + 1;
        if (result.outcome === 'error' && result.error.local && result.error.code === Code.INVALID_ARGUMENT) invalid++;
        else if (!succeeded(line, flags.wait === true)) failed++;
        progress?.tick(!succeeded(line, flags.wait === true));
        if (!(flags.quiet && succeeded(line, flags.wait === true))) await io.write(formatCancelLine(line, flags.json));
      }
    } catch (error) {
      // Only cancelMatching throws: its listing failed (the results of the calls in flight came first).
      listFailure = OperationsError.from(error);
    }
  } finally {
    process.off('SIGINT', onSigint);
    io.outputClosed.removeEventListener('abort', onOutputClosed);
    clearTimeout(grace);
    progress?.stop();
    closeSource(setup.source, io.stdin);
    await client.close();
  }
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  if (!flags.quiet) {
    const parts = Object.entries(counts).map(([outcome, n]) => `${n} ${outcome}`);
    io.err(
      `cancel: ${total} name${total === 1 ? '' : 's'}: ${parts.join(', ') || 'none'} (${formatRate(total, io.now() - started)}/s)`,
    );
  }
  if (listFailure !== undefined) {
    if (flags.json) io.out(errorLine(flags.parent ?? '', listFailure));
    else io.err(`longrun: cancel: listing ${flags.parent ?? ''}: ${errorText(listFailure)}`);
  }
  if (io.outputClosed.aborted) return EXIT_OUTPUT_CLOSED;
  if (stop.signal.aborted) return EXIT_INTERRUPTED;
  if (listFailure !== undefined) {
    return listFailure.local && listFailure.code === Code.INVALID_ARGUMENT ? EXIT_USAGE : EXIT_FAILED;
  }
  if (invalid > 0) return EXIT_USAGE;
  return failed > 0 ? EXIT_FAILED : EXIT_OK;
}

/**
 * What `cancel` needs before its first call, in the order a person fixes them: the flags
 * (conflicts, endpoint), `--from`'s file opened, the token read. UsageError on a problem.
 */
async function prepareCancel(
  flags: CancelFlags,
  names: readonly string[],
  io: Io,
): Promise<{ connection: Connection; source: Readable | undefined; skip: Set<string> | undefined }> {
  checkConnectionFlags(flags, io.env);
  checkParentFlags(flags, names);
  if (flags.from === '-' && flags.accessTokenFile === '-') {
    throw new UsageError('--from - and --access-token-file - both read standard input: give the token in a file');
  }
  const skip = flags.skipDone === undefined ? undefined : await readDoneNames(flags.skipDone);
  const source = flags.from === undefined ? undefined : await openNames(flags.from, io.stdin);
  try {
    return { connection: await prepareConnection(flags, io.stdin, io.env), source, skip };
  } catch (error) {
    closeSource(source, io.stdin);
    throw error;
  }
}

/**
 * `--parent` lists the names itself: no names, no `--from`. `--filter`, `--page-size` and
 * `--dry-run` shape that listing, so they need `--parent`. (The names given are already
 * what a dry run would print.)
 */
function checkParentFlags(flags: CancelFlags, names: readonly string[]): void {
  if (flags.parent !== undefined) {
    if (flags.from !== undefined) throw new UsageError('--parent and --from both give the operations: use one');
    if (names.length > 0) {
      throw new UsageError('--parent lists the operations to cancel: give no names with it');
    }
    return;
  }
  for (const [flag, set] of [
    ['--filter', flags.filter !== undefined],
    ['--page-size', flags.pageSize !== undefined],
    ['--dry-run', flags.dryRun === true],
  ] as const) {
    if (set) throw new UsageError(`${flag} needs --parent`);
  }
}

/**
 * The error line of a `--from` line too long to be a name: named `--from FILE line N` (the
 * line itself is neither kept nor echoed), INVALID_ARGUMENT, nothing sent.
 */
function longLineResult(long: LongLine, from: string): CancelLine {
  return {
    name: `--from ${from} line ${long.lineNumber}`,
    outcome: 'error',
    code: Code.INVALID_ARGUMENT,
    message: `a line of ${long.length} characters, longer than an operation name can be (${MAX_NAME_LENGTH}): not read`,
  };
}

/** Closes the stream of `--from` (a file's; standard input stays open). */
function closeSource(source: Readable | undefined, stdin: Readable): void {
  if (source !== undefined && source !== stdin) source.destroy();
}

/** The names to cancel: the arguments, then the lines of `source` (`--from`'s file or stdin), read lazily. */
async function* nameSource(
  names: readonly string[],
  source: Readable | undefined,
  stdin: Readable,
  skip: ReadonlySet<string> | undefined,
  onSkip: (name: string) => Promise<void>,
  onLongLine: (line: LongLine) => Promise<void>,
): AsyncGenerator<string> {
  const all = async function* (): AsyncGenerator<string> {
    yield* names;
    if (source === undefined) return;
    try {
      for await (const line of readLines(source, MAX_LINE)) {
        if (typeof line !== 'string') {
          if (!line.comment) await onLongLine(line);
          continue;
        }
        const name = line.trim();
        if (name !== '' && !name.startsWith('#')) yield name;
      }
    } finally {
      closeSource(source, stdin);
    }
  };
  for await (const name of all()) {
    if (skip?.has(name)) await onSkip(name);
    else yield name;
  }
}

/** {@link doneNames} of `--skip-done`'s file; a file that can't be read is a UsageError naming it. */
async function readDoneNames(file: string): Promise<Set<string>> {
  try {
    return await doneNames(file);
  } catch (error) {
    throw new UsageError(`cannot read --skip-done ${file}: ${plainReason(error)}`);
  }
}

/**
 * The longest line of `--from` taken as a name: a name (MAX_NAME_LENGTH) with room for blanks
 * around it. A longer line is not read into memory nor echoed: it is an error line of its own.
 */
const MAX_LINE = 2 * MAX_NAME_LENGTH;

/** The longest line of `--skip-done`'s file read: a result line is far shorter; a longer one is no result. */
const MAX_RESULT_LINE = 64 * 1024;

/** Names an earlier run's JSON lines say are done with: requested, cancelled, completed, or skipped then. */
async function doneNames(file: string): Promise<Set<string>> {
  const done = new Set<string>();
  for await (const line of readLines(createReadStream(file), MAX_RESULT_LINE)) {
    if (typeof line !== 'string') continue;
    try {
      const { name, outcome } = JSON.parse(line) as { name?: unknown; outcome?: unknown };
      if (
        typeof name === 'string' &&
        ['requested', 'cancelled', 'completed', 'skipped', 'already-done'].includes(String(outcome))
      ) {
        done.add(name);
      }
    } catch {
      // Not a result line (a summary, a blank line): ignored.
    }
  }
  return done;
}

interface Progress {
  tick(failed: boolean): void;
  stop(): void;
}

/**
 * A rate for people: whole numbers from 10 a second, two significant digits below (a run of
 * 3 names in 10 s is `0.3/s`, not `0/s`).
 */
export function formatRate(count: number, ms: number): string {
  const perSecond = (count * 1000) / Math.max(1, ms);
  return perSecond >= 10 || perSecond === 0 ? String(Math.round(perSecond)) : String(Number(perSecond.toPrecision(2)));
}

/**
 * cli-progress' own formatter with `{rate}` computed as the bar is drawn, from the bar's own
 * count and clock: a payload rate would only change with a result, and stay at its start value
 * (0) through the first slow calls of a --wait.
 */
function withRate(format: string): (options: BarOptions, params: BarParams, payload: object) => string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Format } = require('cli-progress') as typeof import('cli-progress');
  return (options, params, payload) =>
    Format.Formatter({ ...options, format }, params, {
      ...payload,
      rate: formatRate(params.value, (params.stopTime ?? Date.now()) - params.startTime),
    });
}

/** A progress bar on stderr, only when stderr is a terminal. */
async function openProgress(
  io: Io,
  named: number | undefined,
  from: string | undefined,
): Promise<Progress | undefined> {
  if (!process.stderr.isTTY || io !== stdio) return undefined;
  // A file's names can be counted ahead (one streaming pass); standard input and a listing can't.
  const total =
    named === undefined
      ? undefined
      : from === undefined
        ? named
        : from === '-'
          ? undefined
          : named + (await countLines(from));
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { SingleBar } = require('cli-progress') as typeof import('cli-progress');
  const bar = new SingleBar({
    stream: process.stderr,
    format: withRate(
      total === undefined
        ? 'cancel {value} done, {failures} failed, {rate}/s'
        : 'cancel {bar} {value}/{total}, {failures} failed, {rate}/s, eta {eta_formatted}',
    ),
    hideCursor: true,
    clearOnComplete: true,
    fps: 5,
  });
  let done = 0;
  let failures = 0;
  bar.start(total ?? 0, 0, { failures });
  return {
    tick(failed) {
      done++;
      if (failed) failures++;
      bar.update(done, { failures });
    },
    stop: () => bar.stop(),
  };
}

/** The non-blank lines of a file, read once in chunks (a million lines in well under a second). */
async function countLines(file: string): Promise<number> {
  let count = 0;
  for await (const line of readLines(createReadStream(file), MAX_LINE)) {
    if (typeof line !== 'string') count += line.comment ? 0 : 1;
    else if (line.trim() !== '' && !line.trim().startsWith('#')) count++;
  }
  return count;
}
