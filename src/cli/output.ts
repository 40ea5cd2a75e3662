/** What the command prints: JSON lines for scripts, short sentences and tables for people. */
import type { Readable, Writable } from 'node:stream';
import { codeName, defaultTypeRegistry, type Operation, type OperationsError } from '..';
// The one internal module the command uses: the library keeps its JSON mapping to itself.
import { anyToJson, operationToJson } from '../json';

/**
 * What the command reads and writes, and the environment and clock it reads: the process's own
 * ({@link stdio}), or a test's (`main(argv, io)` runs in process, as a subprocess would).
 */
export interface Io {
  /** Writes a line to stdout, terminal-safe. */
  out(line: string): void;
  /** Writes a line to stderr, terminal-safe. */
  err(line: string): void;
  /** Writes a line to stdout, resolving once the stream can take more (memory stays flat on a slow pipe). */
  write(line: string): Promise<void>;
  /** Standard input: `--from -` and `--access-token-file -` read it. */
  readonly stdin: Readable;
  /** The environment the command reads (LONGRUN_EMULATOR_HOST). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Milliseconds since the epoch: the clock of cancel's summary rate. */
  now(): number;
  /** Aborted once stdout is closed (`longrun ... | head -1`): what is written after is dropped. */
  readonly outputClosed: AbortSignal;
}

/** The streams, environment and clock an {@link Io} is made of. */
export interface IoSource {
  readonly stdin: Readable;
  readonly stdout: Writable;
  readonly stderr: Writable;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly now: () => number;
}

/**
 * What a terminal acts on or shows out of order: C0 controls but tab and newline (escape
 * sequences, carriage return, bell), DEL, C1 controls (an 8-bit CSI), bidirectional controls
 * (which reorder what is shown) and the line and paragraph separators.
 */
// eslint-disable-next-line no-control-regex -- control characters are what it finds
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** `\u001b` for ESC: six characters that show what was there and do nothing. */
const escapeChar = (c: string): string => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;

/**
 * A line with nothing a terminal would act on: what {@link UNSAFE} matches becomes its `\uXXXX`
 * escape. Text a server sent (an error's message, a listed name) can't move the cursor, retitle
 * the window or hide a line. In a JSON line such characters can only be inside strings, where
 * the escape is the same character to a JSON parser: the line parses to the same value.
 */
export function terminalSafe(line: string): string {
  return line.replace(UNSAFE, escapeChar);
}

/** `text` on one line: newlines and tabs escaped too (a message can't print a line of its own). */
export function oneLine(text: string): string {
  return terminalSafe(text).replace(/[\n\t]/g, escapeChar);
}

/**
 * The {@link Io} of `source`'s streams; each is read from `source` when used. An error of
 * stdout (EPIPE: the reader went away) closes the output instead of crashing the process.
 * What goes to stderr is masked by {@link maskSecrets}: usage errors repeat what was typed.
 */
export function ioOf(source: IoSource): Io {
  const closed = new AbortController();
  const { stdout } = source;
  stdout.on('error', () => closed.abort());
  const write = (line: string): boolean => closed.signal.aborted || stdout.write(`${terminalSafe(line)}\n`);
  return {
    out: (line) => void write(line),
    err: (line) => void source.stderr.write(`${terminalSafe(maskSecrets(line))}\n`),
    write: (line) =>
      write(line)
        ? Promise.resolve()
        : new Promise((resolve) => {
            // Drained, or closed (a pipe whose reader left never drains).
            const done = (): void => {
              stdout.off('drain', done);
              closed.signal.removeEventListener('abort', done);
              resolve();
            };
            stdout.once('drain', done);
            closed.signal.addEventListener('abort', done, { once: true });
          }),
    get stdin() {
      return source.stdin;
    },
    env: source.env,
    now: () => source.now(),
    outputClosed: closed.signal,
  };
}

/**
 * `text` with what looks like a credential masked: a URL's password (`user:[redacted]@`), a
 * `key=`, `token=` or `password=` query value, a `--...key=`, `--...token=` option's value (as
 * a mistyped flag is echoed: `unknown option '--apikey=[redacted]'`), a bearer token.
 */
export function maskSecrets(text: string): string {
  return text
    .replace(/\b([a-z][a-z0-9+.-]*:\/\/[^/@\s:'"]*):[^/@\s'"]*@/gi, '$1:[redacted]@')
    .replace(/([?&;](?:key|api_key|apikey|access_token|token|password|secret)=)[^&\s#'"]+/gi, '$1[redacted]')
    .replace(/(--[a-z-]*(?:key|token|password|secret)[a-z-]*=)[^\s'"]+/gi, '$1[redacted]')
    .replace(/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi, '$1 [redacted]');
}

/** The process's own: its standard streams (stdin opened only when read), `process.env`, `Date.now`. */
export const stdio: Io = ioOf({
  get stdin() {
    return process.stdin;
  },
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  now: Date.now,
});

/** An Operation in its proto3 JSON form, one line. */
export function operationLine(operation: Operation): string {
  return JSON.stringify(operationToJson(operation, defaultTypeRegistry));
}

/** An error as a JSON line: `{"name", "code", "status", "message"}`. */
export function errorLine(name: string, error: OperationsError): string {
  return JSON.stringify({
    name,
    code: error.code,
    status: codeName(error.code),
    message: tidyMessage(error.rawMessage),
  });
}

/** An error for a person: `STATUS: message`. */
export function errorText(error: OperationsError): string {
  return `${codeName(error.code)}: ${oneLine(tidyMessage(error.rawMessage))}`;
}

/**
 * An error message without grpc-js' internal text that adds nothing: an empty trailing
 * `Resolution note:`, a `Last error: null`, the `Error: ` of a quoted error. The command's
 * output only: the library's errors keep grpc-js' text as it came.
 */
export function tidyMessage(message: string): string {
  return message
    .replace(/\s*Resolution note:\s*$/, '')
    .replace(/\s*Last error: (null|undefined)\.?(?=\s|$)/, '')
    .replace(/(Last error: )(?:[A-Za-z]*Error: )+/, '$1')
    .trim();
}

/**
 * One operation for a person, on one line: name, state and, when done, how it ended, then its
 * metadata's type and state (`projects/p/operations/o  running  AsyncModelMetadata RUNNING`).
 */
export function describeOperation(operation: Operation): string {
  return oneLine(describe(operation));
}

function describe(operation: Operation): string {
  return `${outcome(operation)}${metadataNote(operation)}`;
}

/**
 * What the metadata says, for a person: its type's short name and, when it has one, its
 * `state` (`  AsyncModelMetadata RUNNING`); empty without metadata.
 */
function metadataNote(operation: Operation): string {
  const { metadata } = operation;
  if (!metadata) return '';
  const type = metadata.typeUrl.slice(metadata.typeUrl.lastIndexOf('/') + 1);
  const short = type.slice(type.lastIndexOf('.') + 1);
  let state: unknown;
  try {
    state = anyToJson(metadata, defaultTypeRegistry)['state'];
  } catch {
    // Bytes that don't decode as their type: the type's name alone.
  }
  return `  ${short}${typeof state === 'string' ? ` ${state}` : ''}`;
}

function outcome(operation: Operation): string {
  if (!operation.done) return `${operation.name}  running`;
  if (operation.error) {
    const { code, message } = operation.error;
    return `${operation.name}  done  ${codeName(code)} (${code})${message ? `: ${message}` : ''}`;
  }
  return `${operation.name}  done  succeeded${operation.response ? ` (${operation.response.typeUrl.replace(/^.*\//, '')})` : ''}`;
}
