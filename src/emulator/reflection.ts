/** gRPC server reflection for the emulator (filled in by the reflection work). */
import type * as grpc from '@grpc/grpc-js';

/** Adds the reflection service to `server`, describing what the emulator serves. */
export function addReflection(server: grpc.Server): void {
  void server;
}
