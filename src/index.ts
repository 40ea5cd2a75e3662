/**
 * longrun: a client for google.longrunning.Operations over gRPC (and REST).
 * The public surface, nothing else.
 *
 * @module
 */
import { setDefaultTransport } from './client';
import { createGrpcTransport } from './transports/grpc';

// A client given no transport gets a gRPC one to optimization.googleapis.com (or the emulator).
setDefaultTransport(() => createGrpcTransport());

export {
  OperationsClient,
  type ListOptions,
  type OperationsClientOptions,
  type OperationsPage,
  type PageOptions,
} from './client';
export { cancelOutcome, type CancelOutcome, type PollOptions } from './outcome';
export type {
  AttemptEvent,
  Call,
  CallBase,
  CallHandler,
  CallMethod,
  CallObserver,
  Interceptor,
  RetryEvent,
  WaitRequest,
} from './interceptors';
export {
  Code,
  OperationsError,
  codeName,
  type ErrorDetail,
  type OperationsErrorInit,
  type UnknownErrorDetail,
} from './errors';
export {
  GENERIC_RULES,
  OPTIMIZATION_V1_RULES,
  ROUTE_OPTIMIZATION_V1_RULES,
  encodeName,
  operationTemplate,
  transcode,
  type HttpRequestParts,
  type HttpRule,
  type HttpRules,
  type HttpVerb,
} from './http-rules';
export { type CancelManyOptions, type CancelManyResult, type Canceller } from './many';
export { MAX_NAME_LENGTH, OPTIMIZATION_V1_TEMPLATE, operationName } from './names';
export { DEFAULT_POLL_POLICY, DEFAULT_TIMEOUT_MS, type PollPolicy } from './policy';
export { DEFAULT_RETRY_POLICY, DEFAULT_THROTTLE_POLICY, type RetryPolicy, type ThrottlePolicy } from './retry';
export { anyTypeName, operationError, operationResult, unpack, unpackAny, type OperationResult } from './results';
export { VERSION } from './version';
export { createTypeRegistry, defaultTypeRegistry, type MessageCodec, type TypeRegistry } from './proto';
export type {
  Any,
  BadRequest,
  DebugInfo,
  ErrorDetailType,
  ErrorDetailTypes,
  ErrorInfo,
  Help,
  LocalizedMessage,
  Duration,
  ListOperationsResponse,
  Operation,
  PreconditionFailure,
  ProgressMetadata,
  QuotaFailure,
  RequestInfo,
  ResourceInfo,
  RetryInfo,
  Status,
} from './proto';
export type {
  CallOptions,
  CloseOptions,
  Metadata,
  MethodKey,
  RequestOf,
  ResponseOf,
  ServerAddress,
  TlsOptions,
  Transport,
  UnaryCall,
} from './transport';
export type { NameTemplate, Segment } from './names';
export type { TranscodableRequest } from './http-rules';
export { DEFAULT_CLOSE_GRACE_MS } from './transport';
export { CLOUD_PLATFORM_SCOPE, EMULATOR_HOST_ENV, type AuthLike, type CredentialOptions } from './auth';
export {
  DEFAULT_CHANNEL_OPTIONS,
  DEFAULT_GRPC_ADDRESS,
  createGrpcTransport,
  type GrpcTransportOptions,
} from './transports/grpc';
export {
  DEFAULT_REST_URL,
  MAX_ERROR_BODY_BYTES,
  createRestTransport,
  type RestTransportOptions,
} from './transports/rest';
export { type CancelMatchingOptions, type CancelMatchingResult, type MatchingCanceller } from './many';
export {
  DEFAULT_CANCEL_GRACE_MS,
  type AutoCancel,
  type AutoCancelReason,
  type NotStarted,
  type ProgressOptions,
  type TrackCancelResult,
  type TrackOptions,
  type TrackStart,
  type NamedOperation,
  type TrackedOperation,
  type WaitOptions,
} from './track';
