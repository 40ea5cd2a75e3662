/**
 * Reading an Operation: its outcome as a discriminated union (the failed operation's error
 * keeps its details), and its `metadata` / `response` unpacked with a type registry.
 */
import { Code, OperationsError, decodeDetails } from './errors';
import { messageFromAnyJson } from './json';
import { defaultTypeRegistry, type Any, type MessageCodec, type Operation, type TypeRegistry } from './proto';

/** What an Operation says about its end. */
export type OperationResult =
  | {
      /** Not done yet. */
      readonly state: 'running';
    }
  | {
      /** Done without error. */
      readonly state: 'succeeded';
      /** Its response, packed. */
      readonly response: Any | undefined;
    }
  | {
      /** Done with CANCELLED. */
      readonly state: 'cancelled';
      /** The CANCELLED error, its details decoded. */
      readonly error: OperationsError;
    }
  | {
      /** Done with another error. */
      readonly state: 'failed';
      /** That error, its details decoded. */
      readonly error: OperationsError;
    };

/** The outcome of an operation: running, succeeded (with its response), cancelled or failed (with the error). */
export function operationResult(operation: Operation): OperationResult {
  if (!operation.done) return { state: 'running' };
  const error = operationError(operation);
  if (!error) return { state: 'succeeded', response: operation.response };
  return error.code === Code.CANCELLED ? { state: 'cancelled', error } : { state: 'failed', error };
}

/** A finished operation's error as an OperationsError, its details decoded; undefined when it has none. */
export function operationError(operation: Operation): OperationsError | undefined {
  const status = operation.error;
  if (!status) return undefined;
  return new OperationsError(status.code, status.message || 'operation failed', {
    details: decodeDetails(status.details),
  });
}

/** The full name of an Any's type: `type.googleapis.com/google.rpc.ErrorInfo` -> `google.rpc.ErrorInfo`. */
export function anyTypeName(any: Any): string {
  return any.typeUrl.slice(any.typeUrl.lastIndexOf('/') + 1);
}

/**
 * The message packed in `any` when it is of type `typeName`, decoded with `codec` (a ts-proto
 * message object); undefined when `any` is missing or of another type. Works for an Any read
 * from REST JSON of a type the transport's registry didn't know (through the bytes of its JSON
 * when longrun can make them, so a well-known type comes out as over gRPC).
 */
export function unpack<T>(any: Any | undefined, typeName: string, codec: MessageCodec<T>): T | undefined {
  if (!any || anyTypeName(any) !== typeName) return undefined;
  return any.json ? messageFromAnyJson({ ...any, json: any.json }, codec) : codec.decode(any.value);
}

/** The message packed in `any`, decoded with the registry's codec for its type; undefined for an unknown type. */
export function unpackAny(
  any: Any | undefined,
  registry: TypeRegistry = defaultTypeRegistry,
):
  | {
      /** The message's full type name, e.g. `google.rpc.ErrorInfo`. */
      readonly type: string;
      /** The decoded message. */
      readonly value: unknown;
    }
  | undefined {
  if (!any) return undefined;
  const type = anyTypeName(any);
  const codec = registry.get(type);
  if (!codec) return undefined;
  return {
    type,
    value: any.json ? messageFromAnyJson({ ...any, json: any.json }, codec, registry) : codec.decode(any.value),
  };
}
