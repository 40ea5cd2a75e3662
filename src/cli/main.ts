/**
 * The `longrun` command. Verbs: `emulator` (serve scripted operations), `demo` (the main
 * job on the embedded emulator, what `npm start` runs).
 */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { OperationsClient } from '../client';
import { Code, OperationsError, codeName } from '../errors';
import type { Transport } from '../transport';
import { createGrpcTransport } from '../transports/grpc';
import { createRestTransport } from '../transports/rest';
import { CANCEL_MODES, startEmulator, type CancelMode } from '../emulator';

/** Exit codes: 0 done, 1 a call failed, 2 usage. */
export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

interface Output {
  out(line: string): void;
  err(line: string): void;
}

const stdio: Output = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

function port(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 65535) throw new InvalidArgumentError('expected a port number, 0-65535');
  return n;
}

function count(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 10_000_000) throw new InvalidArgumentError('expected a whole number');
  return n;
}

/** Runs the command with `argv` (without `node` and the script); resolves to the exit code. */
export async function main(argv: readonly string[], io: Output = stdio): Promise<number> {
  let exitCode = EXIT_OK;
  const program = new Command('longrun')
    .description('Cancel and inspect google.longrunning operations (Optimization v1 by default).')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.out(text.trimEnd()),
      writeErr: (text) => io.err(text.trimEnd()),
    })
    .showSuggestionAfterError(true);

  program
    .command('emulator')
    .description('Serve a local google.longrunning.Operations emulator until SIGINT or SIGTERM.')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--grpc-port <port>', 'gRPC port (0: any free port)', port, 0)
    .option('--http-port <port>', 'REST port (0: any free port)', port, 0)
    .option('--seed <count>', 'pre-create projects/demo/operations/op-1 ... op-N, running until cancelled', count, 0)
    .addOption(new Option('--cancel <mode>', 'what CancelOperation does').choices(CANCEL_MODES).default('honour'))
    .option('--cancel-delay <ms>', 'delay of a delayed or ignored cancel, in ms', count, 1000)
    .option('--json', 'print where it listens as one JSON line')
    .action(async (options: EmulatorFlags) => {
      exitCode = await runEmulator(options, io);
    });

  program
    .command('demo')
    .description('Start the embedded emulator, create an operation, cancel it over gRPC and confirm it.')
    .action(async () => {
      exitCode = await runDemo(io);
    });

  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    }
    io.err(`longrun: ${error instanceof Error ? error.message : String(error)}`);
    return EXIT_FAILED;
  }
  return exitCode;
}

interface EmulatorFlags {
  host: string;
  grpcPort: number;
  httpPort: number;
  seed: number;
  cancel: CancelMode;
  cancelDelay: number;
  json?: boolean;
}

async function runEmulator(options: EmulatorFlags, io: Output): Promise<number> {
  const emulator = await startEmulator({
    host: options.host,
    grpcPort: options.grpcPort,
    httpPort: options.httpPort,
    seed: options.seed,
    cancelMode: options.cancel,
    cancelDelayMs: options.cancelDelay,
  });
  if (options.json) io.out(JSON.stringify({ grpc: emulator.grpcAddress, http: emulator.httpUrl }));
  else {
    io.out(
      `longrun emulator: gRPC on ${emulator.grpcAddress}, REST on ${emulator.httpUrl}, cancel mode ${options.cancel}`,
    );
    if (options.seed > 0) io.out(`seeded projects/demo/operations/op-1 ... op-${options.seed}`);
    io.out('press Ctrl-C to stop');
  }
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await emulator.close();
  return EXIT_OK;
}

type OperationView = { done: boolean; error?: { code: number; message: string } | undefined };

function describeOperation(op: OperationView): string {
  return op.error
    ? `done=${op.done} error.code=${op.error.code} (${codeName(op.error.code)}) "${op.error.message}"`
    : `done=${op.done}`;
}

/** The main job, on the embedded emulator, over each transport in turn. */
async function runDemo(io: Output): Promise<number> {
  const emulator = await startEmulator();
  io.out('longrun demo: cancel an operation and confirm it, on the embedded emulator');
  io.out(`  emulator  gRPC on ${emulator.grpcAddress}, REST on ${emulator.httpUrl} (plaintext, loopback)`);
  let exitCode = EXIT_OK;
  try {
    const transports: [string, Transport][] = [
      ['gRPC', createGrpcTransport({ address: emulator.grpcAddress, insecure: true })],
      ['REST', createRestTransport({ baseUrl: emulator.httpUrl, insecure: true })],
    ];
    for (const [label, transport] of transports) {
      const client = new OperationsClient({ transport });
      try {
        const name = `projects/demo/operations/demo-${label.toLowerCase()}`;
        io.out(`over ${label}:`);
        emulator.createOperation({ name });
        io.out(`  created   ${name} (runs until cancelled)`);
        io.out(`  get       ${describeOperation(await client.getOperation(name))}`);
        const started = performance.now();
        await client.cancelOperation(name);
        io.out(`  cancel    CancelOperation accepted in ${(performance.now() - started).toFixed(1)} ms`);
        const op = await client.getOperation(name);
        io.out(`  get       ${describeOperation(op)}`);
        if (op.done && op.error?.code === Code.CANCELLED) {
          io.out(`  confirmed over ${label}: the operation is done with code 1 (CANCELLED).`);
        } else {
          io.err(`not confirmed over ${label}: the operation was not cancelled.`);
          exitCode = EXIT_FAILED;
        }
      } finally {
        await client.close();
      }
    }
  } catch (error) {
    io.err(`longrun demo failed: ${OperationsError.from(error).message}`);
    exitCode = EXIT_FAILED;
  } finally {
    await emulator.close();
  }
  return exitCode;
}
