/**
 * The emulator's gRPC face: google.longrunning.Operations, the API's service (its
 * long-running methods; the others answer UNIMPLEMENTED) and the emulator's own control
 * service on one grpc-js Server.
 */
import * as grpc from '@grpc/grpc-js';
import { Code, OperationsError } from '../errors';
import type { MethodKey, RequestOf, ResponseOf, Status } from '../proto';
import type { Api, ApiRequest } from './api';
import {
  EmulatorControlService,
  OperationsService,
  ProtoCancelMode,
  encodeStatus,
  type EmulatorControlServer,
  type OperationScript,
  type OperationsServer,
} from './proto';
import { UNAUTHENTICATED_MESSAGE, durationMs, type Answer, type CallContext, type OperationsHandler } from './service';
import type { CancelMode, OperationSpec, OperationStore } from './store';

/** Adds the services to `server`: Operations, the API's (when there is one), the control service. */
export function addGrpcFace(server: grpc.Server, store: OperationStore, handler: OperationsHandler, api?: Api): void {
  /** A unary handler calling `handle` with the call's context, answering its outcome. */
  function unaryCall<Req, Res>(
    handle: (request: Req, context: CallContext) => Promise<Answer<Res>>,
  ): grpc.handleUnaryCall<Req, Res> {
    return (call, callback) => {
      const controller = new AbortController();
      call.once('cancelled', () => controller.abort());
      const deadline = call.getDeadline();
      const deadlineMs = deadline instanceof Date ? deadline.getTime() : deadline;
      void handle(call.request, {
        transport: 'grpc',
        headers: metadataRecord(call.metadata),
        signal: controller.signal,
        deadline: Number.isFinite(deadlineMs) ? deadlineMs : undefined,
      }).then((outcome) => {
        if (controller.signal.aborted) return; // the client is gone
        if ('response' in outcome) callback(null, outcome.response);
        else callback(toServiceError(outcome.status, outcome.pushback));
      });
    };
  }

  function unary<K extends MethodKey>(method: K): grpc.handleUnaryCall<RequestOf<K>, ResponseOf<K>> {
    return unaryCall((request: RequestOf<K>, context) => handler.handle(method, request, context));
  }

  const operations = {
    listOperations: unary('listOperations'),
    getOperation: unary('getOperation'),
    deleteOperation: unary('deleteOperation'),
    cancelOperation: unary('cancelOperation'),
    waitOperation: unary('waitOperation'),
  };
  // The generated server interface speaks the generated message types, which longrun's extend.
  server.addService(OperationsService, operations as unknown as OperationsServer);

  if (api) {
    // The whole service is added, so that its other methods answer UNIMPLEMENTED.
    const methods: grpc.UntypedServiceImplementation = {};
    for (const method of api.methods) {
      methods[method.key] = unaryCall((request: ApiRequest, context) => handler.start(method, request, context));
    }
    server.addService(api.service, methods);
  }

  // The control service asks for the credential the Operations methods ask for: without it,
  // anyone who reaches the port could reset every operation.
  const control: EmulatorControlServer = {
    createOperation: (call, callback) => {
      if (!handler.authenticated(metadataRecord(call.metadata))) return callback(unauthenticated());
      try {
        callback(null, store.create(specFromScript(call.request.script)));
      } catch (error) {
        const e = OperationsError.from(error, Code.INTERNAL);
        callback(toServiceError({ code: e.code, message: e.rawMessage, details: [] }));
      }
    },
    reset: (call, callback) =>
      handler.authenticated(metadataRecord(call.metadata))
        ? callback(null, { removed: store.reset() })
        : callback(unauthenticated()),
  };
  server.addService(EmulatorControlService, control);
}

/** What a call without the required credential gets, as the Operations methods answer it. */
export function unauthenticated(): Partial<grpc.StatusObject> {
  return toServiceError({ code: Code.UNAUTHENTICATED, message: UNAUTHENTICATED_MESSAGE, details: [] });
}

/** The emulator's metadata as a record of its text values. */
export function metadataRecord(metadata: grpc.Metadata): Record<string, string> {
  const record: Record<string, string> = {};
  const map = metadata.getMap();
  for (const key in map) {
    const value = map[key];
    if (typeof value === 'string') record[key] = value;
  }
  return record;
}

function toServiceError(status: Status, pushback?: string): Partial<grpc.StatusObject> {
  const metadata = new grpc.Metadata();
  metadata.set('grpc-status-details-bin', encodeStatus(status));
  if (pushback !== undefined) metadata.set('grpc-retry-pushback-ms', pushback);
  return { code: status.code as grpc.status, details: status.message, metadata };
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
