/**
 * The one module of the client side that touches `generated/`: it re-exports the
 * message types longrun speaks in, the gRPC method table, and the registry of
 * `google.rpc` detail types. Everything else in `src/` (but the emulator, which has
 * its own adapter) imports from here.
 */
import { BinaryWriter } from '@bufbuild/protobuf/wire';
import {
  CancelOperationRequest,
  DeleteOperationRequest,
  GetOperationRequest,
  ListOperationsRequest,
  OperationsService,
  WaitOperationRequest,
  type ListOperationsResponse as PbListOperationsResponse,
  type Operation as PbOperation,
} from '../generated/google/longrunning/operations';
import type { Any as PbAny } from '../generated/google/protobuf/any';
import { Duration } from '../generated/google/protobuf/duration';
import { Empty } from '../generated/google/protobuf/empty';
import {
  BadRequest,
  DebugInfo,
  ErrorInfo,
  Help,
  LocalizedMessage,
  PreconditionFailure,
  QuotaFailure,
  RequestInfo,
  ResourceInfo,
  RetryInfo,
} from '../generated/google/rpc/error_details';
import { Status as PbStatus } from '../generated/google/rpc/status';
import { ProgressMetadata } from '../generated/longrun/emulator/v1/progress';

export type {
  CancelOperationRequest,
  DeleteOperationRequest,
  GetOperationRequest,
  ListOperationsRequest,
  WaitOperationRequest,
} from '../generated/google/longrunning/operations';
export type { Duration } from '../generated/google/protobuf/duration';
export type { Empty } from '../generated/google/protobuf/empty';
export type {
  BadRequest,
  DebugInfo,
  ErrorInfo,
  Help,
  LocalizedMessage,
  PreconditionFailure,
  QuotaFailure,
  RequestInfo,
  ResourceInfo,
  RetryInfo,
} from '../generated/google/rpc/error_details';
export type { ProgressMetadata } from '../generated/longrun/emulator/v1/progress';

/**
 * A packed message (google.protobuf.Any): its type URL and its serialized bytes. A message
 * of a type longrun's type registry doesn't know (or whose JSON doesn't read as its type), read
 * from REST JSON, can't be serialized: it keeps its JSON fields in `json` (and `value` is
 * empty), losing nothing, and is written back to JSON as it came.
 */
export interface Any extends PbAny {
  /** The JSON fields (without `@type`) of a message of a type the registry doesn't know, read over REST. */
  readonly json?: Readonly<Record<string, unknown>>;
}

/** google.rpc.Status: a code, a message and details. */
export interface Status extends Omit<PbStatus, 'details'> {
  /** The error details, packed (an OperationsError has them decoded). */
  details: Any[];
}

/** google.longrunning.Operation: `done` with either `error` or `response` once finished. */
export interface Operation extends Omit<PbOperation, 'metadata' | 'error' | 'response'> {
  /** Service-specific metadata, packed, e.g. progress; may be unset. */
  metadata?: Any | undefined;
  /** Once done, the error it ended with (failed or cancelled); unset otherwise. */
  error?: Status | undefined;
  /** Once done without error, its result, packed; unset otherwise. */
  response?: Any | undefined;
}

/** google.longrunning.ListOperationsResponse: one page of operations. */
export interface ListOperationsResponse extends Omit<PbListOperationsResponse, 'operations'> {
  /** The operations of this page. */
  operations: Operation[];
}

/** The methods of google.longrunning.Operations: request and response types. */
export interface Methods {
  /** ListOperations: a page of the operations under a parent. */
  listOperations: [ListOperationsRequest, ListOperationsResponse];
  /** GetOperation: an operation's latest state. */
  getOperation: [GetOperationRequest, Operation];
  /** DeleteOperation: forgets an operation. */
  deleteOperation: [DeleteOperationRequest, Empty];
  /** CancelOperation: asks for an operation to be cancelled. */
  cancelOperation: [CancelOperationRequest, Empty];
  /** WaitOperation: waits until an operation is done or a timeout. */
  waitOperation: [WaitOperationRequest, Operation];
}
/** A method of google.longrunning.Operations, by its key, e.g. `cancelOperation`. */
export type MethodKey = keyof Methods;

/** The methods' names as the service spells them, e.g. `CancelOperation`. */
export const METHOD_NAMES: Readonly<Record<MethodKey, string>> = {
  listOperations: 'ListOperations',
  getOperation: 'GetOperation',
  deleteOperation: 'DeleteOperation',
  cancelOperation: 'CancelOperation',
  waitOperation: 'WaitOperation',
};
/** The request message type of method `K`. */
export type RequestOf<K extends MethodKey> = Methods[K][0];
/** The response message type of method `K`. */
export type ResponseOf<K extends MethodKey> = Methods[K][1];

/** The gRPC methods of google.longrunning.Operations: path and codecs. */
const operationsMethods = OperationsService;

/** `type.googleapis.com/` + a message's full name: the type URL servers send. */
export function typeUrlOf(fullName: string): string {
  return `type.googleapis.com/${fullName}`;
}

/** Decodes a serialized google.rpc.Status (as in `grpc-status-details-bin`). */
export function decodeStatus(bytes: Uint8Array): Status {
  return PbStatus.decode(bytes);
}

/** Serializes a google.rpc.Status. */
export function encodeStatus(status: Status): Buffer {
  return encodeMessage(PbStatus, status);
}

/** A generated message's binary and JSON codec, as much of it as longrun uses (any ts-proto version's). */
export interface MessageCodec<T> {
  /** Serializes `message`: `finish()` gives the bytes. */
  encode(message: T): {
    /** The serialized message. */
    finish(): Uint8Array;
  };
  /** Parses a serialized message. */
  decode(input: Uint8Array): T;
  /** Reads a message from its proto3 JSON form. */
  fromJSON(object: unknown): T;
  /** Writes a message in its proto3 JSON form. */
  toJSON(message: T): unknown;
}

/** The google.rpc error detail types (google/rpc/error_details.proto), by full name. */
export interface ErrorDetailTypes {
  /** The cause of the error: a reason, its domain and metadata. */
  'google.rpc.ErrorInfo': ErrorInfo;
  /** How long to wait before retrying the request. */
  'google.rpc.RetryInfo': RetryInfo;
  /** Debugging information from the server: stack entries and detail. */
  'google.rpc.DebugInfo': DebugInfo;
  /** Which quota checks failed. */
  'google.rpc.QuotaFailure': QuotaFailure;
  /** Which preconditions failed. */
  'google.rpc.PreconditionFailure': PreconditionFailure;
  /** Which fields of the request were bad, and why. */
  'google.rpc.BadRequest': BadRequest;
  /** The request's id and serving data, to quote in a bug report. */
  'google.rpc.RequestInfo': RequestInfo;
  /** The resource being accessed. */
  'google.rpc.ResourceInfo': ResourceInfo;
  /** Links to documentation or to an out-of-band action. */
  'google.rpc.Help': Help;
  /** An error message in a given locale, safe to show to the user. */
  'google.rpc.LocalizedMessage': LocalizedMessage;
}
/** The full name of an error detail type longrun decodes, e.g. `google.rpc.ErrorInfo`. */
export type ErrorDetailType = keyof ErrorDetailTypes;

/** Codecs of the google.rpc error detail types, by full name. */
export const errorDetailCodecs: { readonly [K in ErrorDetailType]: MessageCodec<ErrorDetailTypes[K]> } = {
  'google.rpc.ErrorInfo': ErrorInfo,
  'google.rpc.RetryInfo': RetryInfo,
  'google.rpc.DebugInfo': DebugInfo,
  'google.rpc.QuotaFailure': QuotaFailure,
  'google.rpc.PreconditionFailure': PreconditionFailure,
  'google.rpc.BadRequest': BadRequest,
  'google.rpc.RequestInfo': RequestInfo,
  'google.rpc.ResourceInfo': ResourceInfo,
  'google.rpc.Help': Help,
  'google.rpc.LocalizedMessage': LocalizedMessage,
};

/** One gRPC method of the Operations service, typed by its key. */
export interface GrpcMethod<K extends MethodKey> {
  readonly path: string;
  readonly serialize: (request: RequestOf<K>) => Buffer;
  readonly deserialize: (bytes: Buffer) => ResponseOf<K>;
}

/** The gRPC methods of google.longrunning.Operations, by key. */
export const grpcMethods: { readonly [K in MethodKey]: GrpcMethod<K> } = {
  listOperations: grpcMethod('listOperations', ListOperationsRequest),
  getOperation: grpcMethod('getOperation', GetOperationRequest),
  deleteOperation: grpcMethod('deleteOperation', DeleteOperationRequest),
  cancelOperation: grpcMethod('cancelOperation', CancelOperationRequest),
  waitOperation: grpcMethod('waitOperation', WaitOperationRequest),
};

function grpcMethod<K extends MethodKey>(key: K, request: Encoder<RequestOf<K>>): GrpcMethod<K> {
  // The generated table's decoders return the generated message types; longrun's types differ
  // only in the optional `json` of Any, which the binary codec never sees.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const def = operationsMethods[key] as any;
  return {
    path: def.path,
    serialize: (message) => encodeMessage(request, message),
    deserialize: def.responseDeserialize,
  };
}

/** One of longrun's generated message types' binary encoder: it writes into the writer it is given. */
export interface Encoder<T> {
  encode(message: T, writer?: BinaryWriter): { finish(): Uint8Array };
}

/** Messages are encoded one at a time (synchronously) into this writer. */
let sharedWriter = new BinaryWriter();
/** The shared writer holds a message being encoded (a nested encodeMessage gets a writer of its own). */
let writing = false;
/** A writer that grew past this for one large message is replaced rather than kept. */
const MAX_KEPT_WRITER_BYTES = 64 * 1024;

/**
 * Serializes a message of one of longrun's generated types. The generated encoders make a new
 * writer per message, whose first write allocates a 128-byte buffer, then copy twice: about
 * 3.5 µs for a CancelOperationRequest, more than ten times a reused writer's cost. This reuses
 * one writer (its buffer stays allocated); the bytes are sliced and copied into a Buffer from
 * Node's pool (cheaper than wrapping the slice).
 */
export function encodeMessage<T>(type: Encoder<T>, message: T): Buffer {
  if (writing) return Buffer.from(type.encode(message, new BinaryWriter()).finish());
  writing = true;
  let bytes: Uint8Array;
  try {
    bytes = type.encode(message, sharedWriter).finish();
  } catch (error) {
    sharedWriter = new BinaryWriter(); // a throw mid-message leaves the writer's state behind
    throw error;
  } finally {
    writing = false;
  }
  if (bytes.length > MAX_KEPT_WRITER_BYTES) sharedWriter = new BinaryWriter();
  return Buffer.from(bytes);
}

/** Serializes a message with a codec of the caller's (a type registry's): its own writer. */
export function encodeWithCodec<T>(codec: MessageCodec<T>, message: T): Buffer {
  const own = ownCodecs.has(codec as MessageCodec<unknown>);
  return own ? encodeMessage(codec as unknown as Encoder<T>, message) : Buffer.from(codec.encode(message).finish());
}

/** A registry of message types, by full name (`google.rpc.ErrorInfo`), for packing and unpacking Any. */
export type TypeRegistry = ReadonlyMap<string, MessageCodec<unknown>>;

/* eslint-disable @typescript-eslint/no-require-imports -- the modules below load on first use, not at start-up */
const wrappers = () =>
  require('../generated/google/protobuf/wrappers') as typeof import('../generated/google/protobuf/wrappers');
const struct = () =>
  require('../generated/google/protobuf/struct') as typeof import('../generated/google/protobuf/struct');
const timestamp = () =>
  require('../generated/google/protobuf/timestamp') as typeof import('../generated/google/protobuf/timestamp');
const fieldMask = () =>
  require('../generated/google/protobuf/field_mask') as typeof import('../generated/google/protobuf/field_mask');
const asyncModel = () =>
  require('../generated/google/cloud/optimization/v1/async_model') as typeof import('../generated/google/cloud/optimization/v1/async_model');
const fleetRouting = () =>
  require('../generated/google/cloud/optimization/v1/fleet_routing') as typeof import('../generated/google/cloud/optimization/v1/fleet_routing');
const routeOptimization = () =>
  require('../generated/google/maps/routeoptimization/v1/route_optimization_service') as typeof import('../generated/google/maps/routeoptimization/v1/route_optimization_service');
/* eslint-enable @typescript-eslint/no-require-imports */

const OPTIMIZATION_V1 = 'google/cloud/optimization/v1/';
const ROUTE_OPTIMIZATION_V1 = 'google/maps/routeoptimization/v1/route_optimization_service.proto';

/**
 * The long-running API types longrun knows: the metadata and response types of
 * google.cloud.optimization.v1.FleetRouting.BatchOptimizeTours and of
 * google.maps.routeoptimization.v1.RouteOptimization's BatchOptimizeTours, OptimizeToursLongRunning
 * and OptimizeToursUri, by full name: the .proto file that defines each, and its codec. Their
 * generated modules (~27k lines) load on first use.
 */
const apiTypes: Readonly<Record<string, readonly [protoFile: string, load: () => MessageCodec<unknown>]>> = {
  'google.cloud.optimization.v1.AsyncModelMetadata': [
    `${OPTIMIZATION_V1}async_model.proto`,
    () => asyncModel().AsyncModelMetadata as MessageCodec<unknown>,
  ],
  'google.cloud.optimization.v1.BatchOptimizeToursResponse': [
    `${OPTIMIZATION_V1}fleet_routing.proto`,
    () => fleetRouting().BatchOptimizeToursResponse as MessageCodec<unknown>,
  ],
  'google.maps.routeoptimization.v1.BatchOptimizeToursMetadata': [
    ROUTE_OPTIMIZATION_V1,
    () => routeOptimization().BatchOptimizeToursMetadata as MessageCodec<unknown>,
  ],
  'google.maps.routeoptimization.v1.BatchOptimizeToursResponse': [
    ROUTE_OPTIMIZATION_V1,
    () => routeOptimization().BatchOptimizeToursResponse as MessageCodec<unknown>,
  ],
  'google.maps.routeoptimization.v1.OptimizeToursLongRunningMetadata': [
    ROUTE_OPTIMIZATION_V1,
    () => routeOptimization().OptimizeToursLongRunningMetadata as MessageCodec<unknown>,
  ],
  'google.maps.routeoptimization.v1.OptimizeToursResponse': [
    ROUTE_OPTIMIZATION_V1,
    () => routeOptimization().OptimizeToursResponse as MessageCodec<unknown>,
  ],
  'google.maps.routeoptimization.v1.OptimizeToursUriMetadata': [
    ROUTE_OPTIMIZATION_V1,
    () => routeOptimization().OptimizeToursUriMetadata as MessageCodec<unknown>,
  ],
  'google.maps.routeoptimization.v1.OptimizeToursUriResponse': [
    ROUTE_OPTIMIZATION_V1,
    () => routeOptimization().OptimizeToursUriResponse as MessageCodec<unknown>,
  ],
};

/** The long-running API types of {@link defaultTypeRegistry}: full name -> the .proto file that defines it. */
export const API_TYPE_FILES: ReadonlyMap<string, string> = new Map(
  Object.entries(apiTypes).map(([name, [file]]) => [name, file]),
);

/** The well-known types longrun knows besides Empty and Duration, loaded on first use. */
const wellKnownTypes: Readonly<Record<string, () => MessageCodec<unknown>>> = {
  'google.protobuf.DoubleValue': () => wrappers().DoubleValue as MessageCodec<unknown>,
  'google.protobuf.FloatValue': () => wrappers().FloatValue as MessageCodec<unknown>,
  'google.protobuf.Int64Value': () => wrappers().Int64Value as MessageCodec<unknown>,
  'google.protobuf.UInt64Value': () => wrappers().UInt64Value as MessageCodec<unknown>,
  'google.protobuf.Int32Value': () => wrappers().Int32Value as MessageCodec<unknown>,
  'google.protobuf.UInt32Value': () => wrappers().UInt32Value as MessageCodec<unknown>,
  'google.protobuf.BoolValue': () => wrappers().BoolValue as MessageCodec<unknown>,
  'google.protobuf.StringValue': () => wrappers().StringValue as MessageCodec<unknown>,
  'google.protobuf.BytesValue': () => wrappers().BytesValue as MessageCodec<unknown>,
  'google.protobuf.Struct': () => struct().Struct as MessageCodec<unknown>,
  'google.protobuf.Value': () => struct().Value as MessageCodec<unknown>,
  'google.protobuf.ListValue': () => struct().ListValue as MessageCodec<unknown>,
  'google.protobuf.Timestamp': () => timestamp().Timestamp as MessageCodec<unknown>,
  'google.protobuf.FieldMask': () => fieldMask().FieldMask as MessageCodec<unknown>,
};

/**
 * A codec that loads its generated module the first time it is used, so that knowing a type
 * costs nothing at start-up. It forwards the writer of {@link encodeMessage}.
 */
function lazyCodec(load: () => MessageCodec<unknown>): MessageCodec<unknown> & Encoder<unknown> {
  let codec: MessageCodec<unknown> | undefined;
  const loaded = (): MessageCodec<unknown> => (codec ??= load());
  return {
    encode: (message: unknown, writer?: BinaryWriter) =>
      (loaded() as unknown as Encoder<unknown>).encode(message, writer),
    decode: (input) => loaded().decode(input),
    fromJSON: (object) => loaded().fromJSON(object),
    toJSON: (message) => loaded().toJSON(message),
  };
}

const lazyEntries = (types: Readonly<Record<string, () => MessageCodec<unknown>>>) =>
  Object.entries(types).map(([name, load]): [string, MessageCodec<unknown>] => [name, lazyCodec(load)]);

/**
 * The types longrun knows without being told: the google.rpc error details; the well-known
 * types (the wrappers, Struct, Value, ListValue, Timestamp, Duration, Empty, FieldMask); the
 * metadata and response types of the long-running methods of Cloud Optimization
 * (google.cloud.optimization.v1: AsyncModelMetadata, BatchOptimizeToursResponse) and Route
 * Optimization (google.maps.routeoptimization.v1: BatchOptimizeTours, OptimizeToursLongRunning
 * and OptimizeToursUri); and the emulator's progress metadata. A codec whose generated module
 * is large (the API types, ~27k lines) loads it the first time it is used, not at start-up:
 * `get` returns it at once, without loading anything.
 */
export const defaultTypeRegistry: TypeRegistry = new Map<string, MessageCodec<unknown>>([
  ...(Object.entries(errorDetailCodecs) as [string, MessageCodec<unknown>][]),
  ['google.protobuf.Empty', Empty as MessageCodec<unknown>],
  ['google.protobuf.Duration', Duration as MessageCodec<unknown>],
  ...lazyEntries(wellKnownTypes),
  ['longrun.emulator.v1.ProgressMetadata', ProgressMetadata as MessageCodec<unknown>],
  ...lazyEntries(Object.fromEntries(Object.entries(apiTypes).map(([name, [, load]]) => [name, load]))),
]);

/** The codecs of the default registry: longrun's own generated types, safe for the shared writer. */
const ownCodecs: ReadonlySet<MessageCodec<unknown>> = new Set(defaultTypeRegistry.values());

/** Whether `codec` is longrun's own for the type `name` (not a codec a caller added or put in its place). */
export function isDefaultCodec(name: string, codec: MessageCodec<unknown>): boolean {
  return defaultTypeRegistry.get(name) === codec;
}

/** A registry of the default types and `extra` ones (ts-proto message objects, by full name). */
export function createTypeRegistry(extra: Readonly<Record<string, MessageCodec<unknown>>> = {}): TypeRegistry {
  return new Map([...defaultTypeRegistry, ...Object.entries(extra)]);
}
