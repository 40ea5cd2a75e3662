/**
 * The emulator's gRPC face: google.longrunning.Operations and the emulator's own control
 * service on one grpc-js Server.
 */
import * as grpc from '@grpc/grpc-js';
import { Code, OperationsError } from '../errors';
import { validateName } from '../names';
import { FAULT_HEADER, parseFault } from './faults';
import {
  EmulatorControlService,
  OperationsService,
  ProtoCancelMode,
  encodeStatus,
  type Duration,
  type EmulatorControlServer,
  type OperationScript,
  type OperationsServer,
} from './proto';
import type { Status } from '../proto';
import type { CancelMode, OperationSpec, OperationStore } from './store';
import type { Recorder } from './recorder';

/** Longest a WaitOperation waits when neither its request nor its deadline says. */
export const MAX_WAIT_MS = 30_000;

type Handler<Req, Res> = (request: Req, call: grpc.ServerUnaryCall<Req, Res>) => Res | Promise<Res>;

/** Adds both services to `server`. */
export function addGrpcFace(server: grpc.Server, store: OperationStore, recorder: Recorder): void {
  function unary<Req extends { name?: string }, Res>(
    method: string,
    handler: Handler<Req, Res>,
  ): grpc.handleUnaryCall<Req, Res> {
    return (call, callback) => {
      const headers = metadataRecord(call.metadata);
      recorder.record({ transport: 'grpc', method, name: call.request.name ?? '', headers });
      void (async () => {
        const fault = parseFault(headers[FAULT_HEADER]);
        if (fault.delayMs > 0) await sleep(fault.delayMs, call);
        if (call.cancelled) return;
        if (fault.status) return fault.status;
        return { response: await handler(call.request, call) };
      })().then(
        (result) => {
          if (result === undefined) return; // the call is gone
          if ('response' in result) callback(null, result.response);
          else callback(toServiceError(result));
        },
        (error: unknown) => callback(toServiceError(statusOf(error))),
      );
    };
  }

  const operations: OperationsServer = {
    listOperations: (call, callback) =>
      callback({ code: grpc.status.UNIMPLEMENTED, details: 'ListOperations is not implemented yet' }),
    getOperation: unary('GetOperation', (request) => store.get(validateName(request.name, store.template))),
    cancelOperation: unary('CancelOperation', (request) => {
      store.cancel(validateName(request.name, store.template));
      return {};
    }),
    deleteOperation: unary('DeleteOperation', (request) => {
      store.delete(validateName(request.name, store.template));
      return {};
    }),
    waitOperation: unary('WaitOperation', async (request, call) => {
      const name = validateName(request.name, store.template);
      const deadline = call.getDeadline();
      const deadlineMs = deadline instanceof Date ? deadline.getTime() : deadline;
      const until =
        Date.now() + Math.min(durationMs(request.timeout) ?? MAX_WAIT_MS, Math.max(0, deadlineMs - Date.now()));
      // Re-read the state every 50 ms at most: a cancel may arrive while waiting.
      for (;;) {
        const left = until - Date.now();
        const untilDone = store.msUntilDone(name);
        if (untilDone === 0 || left <= 0) return store.get(name);
        await sleep(Math.min(left, untilDone, 50), call);
        if (call.cancelled) return store.get(name);
      }
    }),
  };
  server.addService(OperationsService, operations);

  const control: EmulatorControlServer = {
    createOperation: (call, callback) => {
      try {
        callback(null, store.create(specFromScript(call.request.script)));
      } catch (error) {
        callback(toServiceError(statusOf(error)));
      }
    },
    reset: (_call, callback) => callback(null, { removed: store.reset() }),
  };
  server.addService(EmulatorControlService, control);
}

function metadataRecord(metadata: grpc.Metadata): Record<string, string> {
  const record: Record<string, string> = {};
  const map = metadata.getMap();
  for (const key in map) {
    const value = map[key];
    if (typeof value === 'string') record[key] = value;
  }
  return record;
}

/** The status a handler's failure answers with. */
function statusOf(error: unknown): Status {
  const e = OperationsError.from(error, Code.INTERNAL);
  return { code: e.code, message: e.rawMessage, details: [] };
}

function toServiceError(status: Status): Partial<grpc.StatusObject> {
  const metadata = new grpc.Metadata();
  metadata.set('grpc-status-details-bin', encodeStatus(status));
  return { code: status.code as grpc.status, details: status.message, metadata };
}

function sleep(ms: number, call: grpc.ServerUnaryCall<unknown, unknown>): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      call.removeListener('cancelled', done);
      resolve();
    }
    call.once('cancelled', done);
  });
}

function durationMs(duration: Duration | undefined): number | undefined {
  return duration ? Number(duration.seconds) * 1000 + Math.floor(duration.nanos / 1e6) : undefined;
}

const cancelModes: Readonly<Record<ProtoCancelMode, CancelMode | undefined>> = {
  [ProtoCancelMode.CANCEL_MODE_UNSPECIFIED]: undefined,
  [ProtoCancelMode.CANCEL_MODE_HONOUR]: 'honour',
  [ProtoCancelMode.CANCEL_MODE_DELAYED]: 'delayed',
  [ProtoCancelMode.CANCEL_MODE_IGNORE]: 'ignore',
  [ProtoCancelMode.CANCEL_MODE_UNIMPLEMENTED]: 'unimplemented',
  [ProtoCancelMode.UNRECOGNIZED]: undefined,
};

function specFromScript(script: OperationScript | undefined): OperationSpec {
  if (!script) return {};
  const spec: { -readonly [K in keyof OperationSpec]: OperationSpec[K] } = { name: script.name };
  const runForMs = durationMs(script.runFor);
  if (runForMs !== undefined) spec.runForMs = runForMs;
  if (script.response) spec.response = script.response;
  if (script.error) spec.error = script.error;
  const mode = cancelModes[script.cancelMode];
  if (mode) spec.cancelMode = mode;
  const cancelDelayMs = durationMs(script.cancelDelay);
  if (cancelDelayMs !== undefined) spec.cancelDelayMs = cancelDelayMs;
  return spec;
}
