/** The command's verbs that run a server: `emulator` and `demo`. Loaded only when one of them runs. */
import { readFileSync } from 'node:fs';
import { Code, OperationsClient, OperationsError, createGrpcTransport, createRestTransport, type Transport } from '..';
import { startEmulator, type CancelMode } from '../emulator';
import type { ApiName } from './args';
import { API_TARGETS } from './connect';
import { UsageError, readToken } from './files';
import type { Io } from './output';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE } from './verbs';

export interface EmulatorFlags {
  api: ApiName;
  host: string;
  grpcPort: number;
  httpPort: number;
  seed: number;
  /** ms, or Infinity (`forever`); undefined: the emulator's default. */
  runFor?: number;
  metadata: 'api' | 'progress';
  cancel: CancelMode;
  cancelDelay: number;
  tlsCert?: string;
  tlsKey?: string;
  requireToken?: string;
  requireTokenFile?: string;
  requireApiKey?: string;
  json?: boolean;
}

/** The environment variable that gives `longrun emulator` its required token, out of the process list. */
export const EMULATOR_TOKEN_ENV = 'LONGRUN_EMULATOR_TOKEN';

/**
 * `longrun emulator`: serves until SIGINT or SIGTERM. The token it requires comes from
 * `--require-token`, `--require-token-file` or LONGRUN_EMULATOR_TOKEN (one of them).
 */
export async function runEmulator(options: EmulatorFlags, io: Io): Promise<number> {
  if ((options.tlsCert === undefined) !== (options.tlsKey === undefined)) {
    io.err('error: --tls-cert and --tls-key go together');
    return EXIT_USAGE;
  }
  if (options.requireToken !== undefined && options.requireTokenFile !== undefined) {
    io.err('error: --require-token and --require-token-file both give the token: use one');
    return EXIT_USAGE;
  }
  let requireToken = options.requireToken ?? (io.env[EMULATOR_TOKEN_ENV] || undefined);
  if (options.requireTokenFile !== undefined) {
    try {
      requireToken = await readToken(options.requireTokenFile, io.stdin, '--require-token-file');
    } catch (error) {
      if (!(error instanceof UsageError)) throw error;
      io.err(`longrun: ${error.message}`);
      return EXIT_USAGE;
    }
  }
  const target = API_TARGETS[options.api];
  const emulator = await startEmulator({
    rules: target.rules,
    metadata: options.metadata,
    ...(options.runFor !== undefined && { runForMs: options.runFor }),
    host: options.host,
    grpcPort: options.grpcPort,
    httpPort: options.httpPort,
    seed: options.seed,
    cancelMode: options.cancel,
    cancelDelayMs: options.cancelDelay,
    ...(options.tlsCert !== undefined &&
      options.tlsKey !== undefined && {
        tls: { cert: readFileSync(options.tlsCert), key: readFileSync(options.tlsKey) },
      }),
    ...(requireToken !== undefined && { requireToken }),
    ...(options.requireApiKey !== undefined && { requireApiKey: options.requireApiKey }),
  });
  if (options.json) io.out(JSON.stringify({ grpc: emulator.grpcAddress, http: emulator.httpUrl }));
  else {
    io.out(
      `longrun emulator: gRPC on ${emulator.grpcAddress}, REST on ${emulator.httpUrl}, ` +
        `API ${target.rules.api}, cancel mode ${options.cancel}`,
    );
    if (options.seed > 0) io.out(`seeded ${target.seedPrefix}op-1 ... op-${options.seed}`);
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

function describeState(op: OperationView): string {
  return op.error
    ? `done=${op.done} error.code=${op.error.code} (${Code[op.error.code] ?? 'UNKNOWN'}) "${op.error.message}"`
    : `done=${op.done}`;
}

/** The main job, on the embedded emulator, over each transport in turn. */
export async function runDemo(io: Io): Promise<number> {
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
        io.out(`  get       ${describeState(await client.getOperation(name))}`);
        const started = performance.now();
        await client.cancelOperation(name);
        io.out(`  cancel    CancelOperation accepted in ${(performance.now() - started).toFixed(1)} ms`);
        const op = await client.getOperation(name);
        io.out(`  get       ${describeState(op)}`);
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
