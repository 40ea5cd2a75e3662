/**
 * The emulator's one adapter of `generated/`: the server-side service definitions (the
 * Operations service, the APIs' services whose long-running methods it serves, the control
 * service) and the messages it packs in Any.
 */
import {
  ListOperationsResponse,
  Operation,
  OperationsService as GeneratedOperationsService,
} from '../../generated/google/longrunning/operations';
import { AsyncModelMetadata, AsyncModelMetadata_State } from '../../generated/google/cloud/optimization/v1/async_model';
import {
  BatchOptimizeToursResponse as OptimizationBatchResponse,
  FleetRoutingService as GeneratedFleetRoutingService,
} from '../../generated/google/cloud/optimization/v1/fleet_routing';
import {
  BatchOptimizeToursResponse as RouteBatchResponse,
  OptimizeToursResponse as RouteOptimizeToursResponse,
  RouteOptimizationService as GeneratedRouteOptimizationService,
} from '../../generated/google/maps/routeoptimization/v1/route_optimization_service';
import { Empty } from '../../generated/google/protobuf/empty';
import { CancelMode as ProtoCancelMode, EmulatorControlService } from '../../generated/longrun/emulator/v1/control';
import { ProgressMetadata } from '../../generated/longrun/emulator/v1/progress';
import { encodeMessage, encodeStatus, typeUrlOf, type Any, type Encoder } from '../proto';

export {
  AsyncModelMetadata,
  AsyncModelMetadata_State,
  EmulatorControlService,
  OperationsService,
  ProtoCancelMode,
  ProgressMetadata,
  encodeStatus,
};
export type { OperationsServer } from '../../generated/google/longrunning/operations';
export type { Duration } from '../../generated/google/protobuf/duration';
export type { EmulatorControlServer, OperationScript } from '../../generated/longrun/emulator/v1/control';

/** A generated method definition whose responses are serialized with {@link encodeMessage}. */
function reusingWriter<R, M extends { readonly responseSerialize: (message: R) => Buffer }>(
  method: M,
  type: Encoder<R>,
): M {
  return { ...method, responseSerialize: (message: R) => encodeMessage(type, message) };
}

/**
 * The generated service definition with its responses serialized into one reused writer
 * ({@link encodeMessage}): the generated serializers allocate a new writer per message.
 */
const OperationsService: typeof GeneratedOperationsService = {
  listOperations: reusingWriter(GeneratedOperationsService.listOperations, ListOperationsResponse),
  getOperation: reusingWriter(GeneratedOperationsService.getOperation, Operation),
  deleteOperation: reusingWriter(GeneratedOperationsService.deleteOperation, Empty),
  cancelOperation: reusingWriter(GeneratedOperationsService.cancelOperation, Empty),
  waitOperation: reusingWriter(GeneratedOperationsService.waitOperation, Operation),
};

/** Packs `message`, of type `fullName`, into an Any. */
export function packMessage<T>(fullName: string, type: Encoder<T>, message: T): Any {
  return { typeUrl: typeUrlOf(fullName), value: encodeMessage(type, message) };
}

/** Optimization v1's types of its long-running method, by role. */
export const OPTIMIZATION_TYPES = {
  asyncModelMetadata: 'google.cloud.optimization.v1.AsyncModelMetadata',
  batchOptimizeToursResponse: 'google.cloud.optimization.v1.BatchOptimizeToursResponse',
} as const;

/** Route Optimization v1's types of its long-running methods, by role. */
export const ROUTE_OPTIMIZATION_TYPES = {
  batchOptimizeToursMetadata: 'google.maps.routeoptimization.v1.BatchOptimizeToursMetadata',
  batchOptimizeToursResponse: 'google.maps.routeoptimization.v1.BatchOptimizeToursResponse',
  optimizeToursLongRunningMetadata: 'google.maps.routeoptimization.v1.OptimizeToursLongRunningMetadata',
  optimizeToursResponse: 'google.maps.routeoptimization.v1.OptimizeToursResponse',
} as const;

/** Optimization v1's BatchOptimizeToursResponse (no fields), packed. */
export function optimizationBatchResponse(): Any {
  return packMessage(OPTIMIZATION_TYPES.batchOptimizeToursResponse, OptimizationBatchResponse, {});
}

/** Route Optimization v1's BatchOptimizeToursResponse (no fields), packed. */
export function routeBatchResponse(): Any {
  return packMessage(ROUTE_OPTIMIZATION_TYPES.batchOptimizeToursResponse, RouteBatchResponse, {});
}

/** Route Optimization v1's OptimizeToursResponse: no routes, the request's label echoed. */
export function routeOptimizeToursResponse(requestLabel: string): Any {
  return packMessage(ROUTE_OPTIMIZATION_TYPES.optimizeToursResponse, RouteOptimizeToursResponse, {
    routes: [],
    requestLabel,
    skippedShipments: [],
    validationErrors: [],
  });
}

/** FleetRouting (Optimization v1), its long-running method answering with {@link encodeMessage}. */
export const FleetRoutingService: typeof GeneratedFleetRoutingService = {
  ...GeneratedFleetRoutingService,
  batchOptimizeTours: reusingWriter(GeneratedFleetRoutingService.batchOptimizeTours, Operation),
};

/** RouteOptimization (Route Optimization v1), its long-running methods answering with {@link encodeMessage}. */
export const RouteOptimizationService: typeof GeneratedRouteOptimizationService = {
  ...GeneratedRouteOptimizationService,
  batchOptimizeTours: reusingWriter(GeneratedRouteOptimizationService.batchOptimizeTours, Operation),
  optimizeToursLongRunning: reusingWriter(GeneratedRouteOptimizationService.optimizeToursLongRunning, Operation),
};

/** The Any of google.protobuf.Empty: an operation's response when its script names none. */
export function emptyAny(): Any {
  return { typeUrl: typeUrlOf('google.protobuf.Empty'), value: encodeMessage(Empty, {}) };
}
