/**
 * The one module of the client side that touches `generated/`: it re-exports the
 * message types longrun speaks in, the gRPC method table, and the registry of
 * `google.rpc` detail types. Everything else in `src/` (but the emulator, which has
 * its own adapter) imports from here.
 */
import { OperationsService } from '../generated/google/longrunning/operations';
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
import { Status } from '../generated/google/rpc/status';

export type {
  CancelOperationRequest,
  DeleteOperationRequest,
  GetOperationRequest,
  ListOperationsRequest,
  ListOperationsResponse,
  Operation,
  WaitOperationRequest,
} from '../generated/google/longrunning/operations';
export type { Any } from '../generated/google/protobuf/any';
export type { Empty } from '../generated/google/protobuf/empty';
export type { Status } from '../generated/google/rpc/status';
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

/** A generated message's binary and JSON codec, as much of it as longrun uses. */
export interface MessageCodec<T> {
  encode(message: T): { finish(): Uint8Array };
  decode(input: Uint8Array): T;
  fromJSON(object: unknown): T;
  toJSON(message: T): unknown;
}

/** The gRPC methods of google.longrunning.Operations: path and codecs. */
export const operationsMethods = OperationsService;
export type OperationsMethods = typeof OperationsService;
export type MethodKey = keyof OperationsMethods;
export type RequestOf<K extends MethodKey> = Parameters<OperationsMethods[K]['requestSerialize']>[0];
export type ResponseOf<K extends MethodKey> = ReturnType<OperationsMethods[K]['responseDeserialize']>;

/** Decodes a serialized google.rpc.Status (as in `grpc-status-details-bin`). */
export function decodeStatus(bytes: Uint8Array): Status {
  return Status.decode(bytes);
}

/** The google.rpc error detail types (google/rpc/error_details.proto), by full name. */
export interface ErrorDetailTypes {
  'google.rpc.ErrorInfo': ErrorInfo;
  'google.rpc.RetryInfo': RetryInfo;
  'google.rpc.DebugInfo': DebugInfo;
  'google.rpc.QuotaFailure': QuotaFailure;
  'google.rpc.PreconditionFailure': PreconditionFailure;
  'google.rpc.BadRequest': BadRequest;
  'google.rpc.RequestInfo': RequestInfo;
  'google.rpc.ResourceInfo': ResourceInfo;
  'google.rpc.Help': Help;
  'google.rpc.LocalizedMessage': LocalizedMessage;
}
export type ErrorDetailType = keyof ErrorDetailTypes;

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

/** The gRPC method behind `key`. */
export function grpcMethod<K extends MethodKey>(key: K): GrpcMethod<K> {
  // The generated table is a union per key; TypeScript can't narrow it by a generic key.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const def = operationsMethods[key] as any;
  return { path: def.path, serialize: def.requestSerialize, deserialize: def.responseDeserialize };
}
