/** Runs the built `longrun` command as a subprocess, the way a user or a script does. */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import * as path from 'node:path';
import { createInterface } from 'node:readline';

export const LONGRUN = path.resolve(__dirname, '../../bin/longrun');

export interface Finished {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `longrun ...args` to its end; `env` adds to (or with undefined, removes from) the environment. */
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
): Promise<{ child: ChildProcessWithoutNullStreams; address: Record<string, string> }> {
  const child = spawn(process.execPath, [LONGRUN, 'emulator', '--json', ...args], { stdio: 'pipe' });
  const lines = createInterface({ input: child.stdout });
  const exited = once(child, 'exit').then(([code]) => {
    throw new Error(`emulator exited early with ${String(code)}`);
  });
  const first = once(lines, 'line').then(([line]) => JSON.parse(line as string) as Record<string, string>);
  const address = await Promise.race([first, exited]);
  return { child, address };
}
