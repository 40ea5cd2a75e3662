/**
 * The emulator's one adapter of `generated/`: the server-side service definitions, the
 * control service and the messages of the project's own proto.
 */
import {
  ListOperationsResponse,
  Operation,
  OperationsService as GeneratedOperationsService,
} from '../../generated/google/longrunning/operations';
import { Any } from '../../generated/google/protobuf/any';
import { Empty } from '../../generated/google/protobuf/empty';
import { CancelMode as ProtoCancelMode, EmulatorControlService } from '../../generated/longrun/emulator/v1/control';
import { ProgressMetadata } from '../../generated/longrun/emulator/v1/progress';
import { encodeMessage, encodeStatus, typeUrlOf } from '../proto';

export { EmulatorControlService, OperationsService, ProtoCancelMode, ProgressMetadata, encodeStatus };
export type { OperationsServer } from '../../generated/google/longrunning/operations';
export type { Duration } from '../../generated/google/protobuf/duration';
export type { EmulatorControlServer, OperationScript } from '../../generated/longrun/emulator/v1/control';

/**
 * The generated service definition with its responses serialized into one reused writer
 * ({@link encodeMessage}): the generated serializers allocate a new writer per message.
 */
const OperationsService: typeof GeneratedOperationsService = {
  ...GeneratedOperationsService,
  listOperations: {
    ...GeneratedOperationsService.listOperations,
    responseSerialize: (message: ListOperationsResponse) => encodeMessage(ListOperationsResponse, message),
  },
  getOperation: {
    ...GeneratedOperationsService.getOperation,
    responseSerialize: (message: Operation) => encodeMessage(Operation, message),
  },
  deleteOperation: {
    ...GeneratedOperationsService.deleteOperation,
    responseSerialize: (message: Empty) => encodeMessage(Empty, message),
  },
  cancelOperation: {
    ...GeneratedOperationsService.cancelOperation,
    responseSerialize: (message: Empty) => encodeMessage(Empty, message),
  },
  waitOperation: {
    ...GeneratedOperationsService.waitOperation,
    responseSerialize: (message: Operation) => encodeMessage(Operation, message),
  },
};

/** Packs a message of the project's own proto into an Any. */
export function packProgress(progress: ProgressMetadata): Any {
  return {
    typeUrl: typeUrlOf('longrun.emulator.v1.ProgressMetadata'),
    value: encodeMessage(ProgressMetadata, progress),
  };
}

/** The Any of google.protobuf.Empty: an operation's response when its script names none. */
export function emptyAny(): Any {
  return { typeUrl: typeUrlOf('google.protobuf.Empty'), value: encodeMessage(Empty, {}) };
}
