/**
 * The emulator's one adapter of `generated/`: the server-side service definitions, the
 * control service and the messages of the project's own proto.
 */
import { OperationsService } from '../../generated/google/longrunning/operations';
import { Any } from '../../generated/google/protobuf/any';
import { Empty } from '../../generated/google/protobuf/empty';
import { CancelMode as ProtoCancelMode, EmulatorControlService } from '../../generated/longrun/emulator/v1/control';
import { ProgressMetadata } from '../../generated/longrun/emulator/v1/progress';
import { encodeStatus, errorDetailCodecs, type MessageCodec } from '../proto';

export { EmulatorControlService, OperationsService, ProtoCancelMode, ProgressMetadata, encodeStatus };
export type { OperationsServer } from '../../generated/google/longrunning/operations';
export type { Duration } from '../../generated/google/protobuf/duration';
export type { EmulatorControlServer, OperationScript } from '../../generated/longrun/emulator/v1/control';

const TYPE_PREFIX = 'type.googleapis.com/';

/** Messages the emulator packs into Any, by full name. */
const packable: Readonly<Record<string, MessageCodec<unknown>>> = {
  ...(errorDetailCodecs as Readonly<Record<string, MessageCodec<unknown>>>),
  'google.protobuf.Empty': Empty as MessageCodec<unknown>,
  'longrun.emulator.v1.ProgressMetadata': ProgressMetadata as MessageCodec<unknown>,
};

/** Packs a message of the project's own proto into an Any. */
export function packProgress(progress: ProgressMetadata): Any {
  return {
    typeUrl: `${TYPE_PREFIX}longrun.emulator.v1.ProgressMetadata`,
    value: Buffer.from(ProgressMetadata.encode(progress).finish()),
  };
}

/** The Any of google.protobuf.Empty: an operation's response when its script names none. */
export function emptyAny(): Any {
  return { typeUrl: `${TYPE_PREFIX}google.protobuf.Empty`, value: Buffer.from(Empty.encode({}).finish()) };
}

/**
 * Converts an Any in its JSON form (`{"@type": "type.googleapis.com/google.rpc.ErrorInfo", ...}`)
 * to binary; throws a TypeError for a type the emulator doesn't know.
 */
export function anyFromJson(json: unknown): Any {
  if (typeof json !== 'object' || json === null) throw new TypeError('an Any must be a JSON object');
  const { '@type': typeUrl, ...fields } = json as Record<string, unknown>;
  if (typeof typeUrl !== 'string') throw new TypeError('an Any needs an "@type"');
  const codec = packable[typeUrl.slice(typeUrl.lastIndexOf('/') + 1)];
  if (!codec) throw new TypeError(`unknown type ${typeUrl}`);
  return { typeUrl, value: Buffer.from(codec.encode(codec.fromJSON(fields)).finish()) };
}
