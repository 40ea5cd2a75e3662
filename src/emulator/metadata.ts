/**
 * What an operation reports in `Operation.metadata`: the store computes an operation's state
 * from its script and the clock, and a {@link MetadataWriter} packs it into the metadata type
 * of the API the emulator plays (Optimization v1's AsyncModelMetadata by default) or, strictly
 * on request, the emulator's own longrun.emulator.v1.ProgressMetadata.
 */
import type { Any, Status } from '../proto';
import {
  AsyncModelMetadata,
  AsyncModelMetadata_State,
  ProgressMetadata,
  packMessage,
  ROUTE_OPTIMIZATION_TYPES,
  OPTIMIZATION_TYPES,
} from './proto';

/** Where an operation is in its life. */
export type OperationState = 'running' | 'succeeded' | 'cancelled' | 'failed';

/** An operation's state as its metadata reports it. */
export interface MetadataView {
  readonly state: OperationState;
  /** When it was created (Date.now() clock). */
  readonly createdAt: number;
  /** When its state last changed: its creation while running, the end once done. */
  readonly updatedAt: number;
  readonly cancelRequested: boolean;
  /** 0 to 100; 0 for an operation running until cancelled, 100 once completed. */
  readonly percentDone: number;
  /** The error it ended with, once failed. */
  readonly error: Status | undefined;
}

/** Packs an operation's state into its metadata. */
export type MetadataWriter = (view: MetadataView) => Any;

const ASYNC_MODEL_STATES: Readonly<Record<OperationState, AsyncModelMetadata_State>> = {
  running: AsyncModelMetadata_State.RUNNING,
  succeeded: AsyncModelMetadata_State.SUCCEEDED,
  cancelled: AsyncModelMetadata_State.CANCELLED,
  failed: AsyncModelMetadata_State.FAILED,
};

/** google.cloud.optimization.v1.AsyncModelMetadata: state, create and update times (the failure's message). */
export const asyncModelMetadata: MetadataWriter = (view) =>
  packMessage(OPTIMIZATION_TYPES.asyncModelMetadata, AsyncModelMetadata, {
    state: ASYNC_MODEL_STATES[view.state],
    stateMessage: view.state === 'failed' ? (view.error?.message ?? '') : '',
    createTime: new Date(view.createdAt),
    updateTime: new Date(view.updatedAt),
  });

/** longrun.emulator.v1.ProgressMetadata: creation time, percent done, whether a cancel was requested. */
export const progressMetadata: MetadataWriter = (view) =>
  packMessage('longrun.emulator.v1.ProgressMetadata', ProgressMetadata, {
    createTimeMs: String(view.createdAt),
    percentDone: view.percentDone,
    cancelRequested: view.cancelRequested,
  });

/** A metadata type without fields (Route Optimization's): the same empty message whatever the state. */
function fieldless(fullName: string): MetadataWriter {
  const any = { typeUrl: `type.googleapis.com/${fullName}`, value: Buffer.alloc(0) };
  return () => ({ ...any });
}

/** google.maps.routeoptimization.v1.BatchOptimizeToursMetadata (no fields). */
export const batchOptimizeToursMetadata: MetadataWriter = fieldless(
  ROUTE_OPTIMIZATION_TYPES.batchOptimizeToursMetadata,
);

/** google.maps.routeoptimization.v1.OptimizeToursLongRunningMetadata (no fields). */
export const optimizeToursLongRunningMetadata: MetadataWriter = fieldless(
  ROUTE_OPTIMIZATION_TYPES.optimizeToursLongRunningMetadata,
);
