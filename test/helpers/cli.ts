/**
 * The `longrun` command, run two ways: in this process through `main(argv, io)` with in-memory
 * streams, an environment of the test's own and, if given, a clock (the parsing, checks, output
 * and exit codes, in milliseconds); or the built command as a subprocess, the way a user or a
 * script does (what needs a process: the bin shim, signals, a closed pipe, a terminal).
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { Readable, Writable } from 'node:stream';
import { main } from '../../src/cli/main';
import { ioOf } from '../../src/cli/output';

export const LONGRUN = path.resolve(__dirname, '../../bin/longrun');

export interface Finished {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** The JSON lines of a command's stdout (`--json`), parsed. */
export function jsonLines<T = Record<string, unknown>>(stdout: string): T[] {
  return stdout
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as T);
}

/** What {@link runCommand} is given besides the arguments. */
export interface CommandInput {
  /** Standard input's text (default: empty, ended). */
  readonly stdin?: string | Readable;
  /** The whole environment the command sees (default: none; the test's own is not passed). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** The command's clock (default: Date.now). */
  readonly now?: () => number;
  /** Called with each line of stdout as it is written, and how many came before it and it. */
  readonly onLine?: (line: string, count: number) => void;
}

/** A Writable that keeps what it was given as text, telling `onLine` of each whole line. */
class TextSink extends Writable {
  text = '';
  private partial = '';
  private lines = 0;
  constructor(private readonly onLine?: (line: string, count: number) => void) {
    super();
  }
  override _write(chunk: Buffer | string, _encoding: BufferEncoding, done: () => void): void {
    const text = String(chunk);
    this.text += text;
    if (this.onLine) {
      const parts = (this.partial + text).split('\n');
      this.partial = parts.pop() ?? '';
      for (const line of parts) this.onLine(line, ++this.lines);
    }
    done();
  }
}

/**
 * Runs `longrun ...args` in this process (`main(argv, io)`) to its end: its exit code and what
 * it wrote, as a subprocess run gives them.
 */
export async function runCommand(args: readonly string[], input: CommandInput = {}): Promise<Finished> {
  const stdout = new TextSink(input.onLine);
  const stderr = new TextSink();
  const stdin = typeof input.stdin === 'object' ? input.stdin : Readable.from(input.stdin ? [input.stdin] : []);
  const code = await main(args, ioOf({ stdin, stdout, stderr, env: input.env ?? {}, now: input.now ?? Date.now }));
  return { code, stdout: stdout.text, stderr: stderr.text };
}

/** Runs `longrun ...args` as a subprocess to its end; `env` adds to (or with undefined, removes from) the environment. */
export async function runLongrun(
  args: readonly string[],
  input?: string,
  env?: Readonly<Record<string, string | undefined>>,
): Promise<Finished> {
  const child = spawn(process.execPath, [LONGRUN, ...args], { stdio: 'pipe', env: { ...process.env, ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  child.stdin.end(input ?? '');
  const [code] = (await once(child, 'close')) as [number | null];
  return { code, stdout, stderr };
}

/** Starts `longrun emulator ... --json` and resolves with the process and its first JSON line. */
export async function startEmulatorProcess(
  args: readonly string[],
  env?: Readonly<Record<string, string>>,
): Promise<{ child: ChildProcessWithoutNullStreams; address: Record<string, string> }> {
  const child = spawn(process.execPath, [LONGRUN, 'emulator', '--json', ...args], {
    stdio: 'pipe',
    env: { ...process.env, ...env },
  });
  const lines = createInterface({ input: child.stdout });
  const exited = once(child, 'exit').then(([code]) => {
    throw new Error(`emulator exited early with ${String(code)}`);
  });
  const first = once(lines, 'line').then(([line]) => JSON.parse(line as string) as Record<string, string>);
  const address = await Promise.race([first, exited]);
  return { child, address };
}
