/** The transports the contract suite runs over, each aimed at a running emulator. */
import { createGrpcTransport, createRestTransport, type Transport } from '../../src';
import type { Emulator } from '../../src/emulator';

export interface TransportCase {
  readonly kind: string;
  make(emulator: Emulator): Transport;
}

export const transportCases: readonly TransportCase[] = [
  { kind: 'grpc', make: (emulator) => createGrpcTransport({ address: emulator.grpcAddress, insecure: true }) },
  { kind: 'rest', make: (emulator) => createRestTransport({ baseUrl: emulator.httpUrl, insecure: true }) },
];

let seq = 0;
/** A fresh operation name, so that tests sharing an emulator never touch each other's operations. */
export function uniqueName(prefix = 'op'): string {
  return `projects/test/operations/${prefix}-${process.pid}-${++seq}`;
}

/** Resolves with the rejection of `promise`; fails the test if it resolves. */
export async function rejectionOf(promise: Promise<unknown>): Promise<import('../../src').OperationsError> {
  try {
    await promise;
  } catch (error) {
    return error as import('../../src').OperationsError;
  }
  throw new Error('expected the call to fail');
}
