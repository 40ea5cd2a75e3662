/**
 * longrun/emulator: a real local google.longrunning.Operations server with scripted
 * operations, for tests, demos and other clients (Google's own works against it unchanged).
 */
import * as grpc from '@grpc/grpc-js';
import type { Operation } from '../proto';
import { addGrpcFace } from './grpc-face';
import { Recorder, type RecordedRequest } from './recorder';
import { OperationStore, type CancelMode, type OperationSpec } from './store';

export { CANCEL_MODES, DEFAULT_CANCEL_DELAY_MS, type CancelMode, type OperationSpec } from './store';
export { FAULT_HEADER } from './faults';
export type { RecordedRequest } from './recorder';

export interface EmulatorOptions {
  /** The address to listen on. Default `127.0.0.1`: loopback only. */
  readonly host?: string;
  /** The gRPC port; default 0 (any free port). */
  readonly grpcPort?: number;
  /** What CancelOperation does unless an operation's spec says otherwise. Default `honour`. */
  readonly cancelMode?: CancelMode;
  /** Delay of a `delayed` or `ignore` cancel, in ms. Default 1000. */
  readonly cancelDelayMs?: number;
  /** Pre-creates this many operations, `projects/demo/operations/op-1` ... `op-N`, running until cancelled. */
  readonly seed?: number;
}

export interface Emulator {
  /** `host:port` of the gRPC face, for `createGrpcTransport({ address, insecure: true })`. */
  readonly grpcAddress: string;
  /** The last requests the emulator received (10,000 at most), oldest first. */
  readonly requests: readonly RecordedRequest[];
  /** How many requests it received in all. */
  readonly requestCount: number;
  /** Creates a running operation that follows `spec`. */
  createOperation(spec?: OperationSpec): Operation;
  /** The operation's current state (NOT_FOUND as an OperationsError). */
  getOperation(name: string): Operation;
  /** Forgets the recorded requests. */
  clearRequests(): void;
  /** Removes every operation; returns how many there were. */
  reset(): number;
  /** Stops listening; calls in flight get a short grace period. Idempotent. */
  close(): Promise<void>;
}

/** Starts the emulator; resolves once it listens. */
export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const host = options.host ?? '127.0.0.1';
  const store = new OperationStore({
    ...(options.cancelMode && { cancelMode: options.cancelMode }),
    ...(options.cancelDelayMs !== undefined && { cancelDelayMs: options.cancelDelayMs }),
  });
  for (let i = 1; i <= (options.seed ?? 0); i++) store.create({ name: `projects/demo/operations/op-${i}` });
  const recorder = new Recorder();
  const server = new grpc.Server();
  addGrpcFace(server, store, recorder);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(hostPort(host, options.grpcPort ?? 0), grpc.ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    ),
  );
  let closing: Promise<void> | undefined;
  return {
    grpcAddress: hostPort(host, port),
    get requests() {
      return recorder.requests;
    },
    get requestCount() {
      return recorder.count;
    },
    createOperation: (spec) => store.create(spec),
    getOperation: (name) => store.get(name),
    clearRequests: () => recorder.clear(),
    reset: () => store.reset(),
    close: () => (closing ??= shutdown(server)),
  };
}

function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Graceful shutdown, forced after a second. */
function shutdown(server: grpc.Server): Promise<void> {
  return new Promise((resolve) => {
    const force = setTimeout(() => server.forceShutdown(), 1000);
    server.tryShutdown(() => {
      clearTimeout(force);
      resolve();
    });
  });
}
