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
import { encodeMessage, encodeStatus, typeUrlOf, type Encoder } from '../proto';

export { EmulatorControlService, OperationsService, ProtoCancelMode, ProgressMetadata, encodeStatus };
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
