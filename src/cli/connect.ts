/** The client the command's common flags describe. */
import { OperationsClient } from '../client';
import { createGrpcTransport, DEFAULT_GRPC_ADDRESS } from '../transports/grpc';
import { createRestTransport, DEFAULT_REST_URL } from '../transports/rest';

export interface ConnectionFlags {
  /** host:port (gRPC) or a URL (REST; host:port alone gets https://, or http:// with --insecure). */
  readonly endpoint?: string;
  readonly transport: 'grpc' | 'rest';
  readonly insecure?: boolean;
  /** Each call's deadline, in ms. */
  readonly callTimeout?: number;
}

export function connect(flags: ConnectionFlags): OperationsClient {
  const insecure = flags.insecure === true;
  const transport =
    flags.transport === 'rest'
      ? createRestTransport({ baseUrl: restUrl(flags.endpoint, insecure), insecure })
      : createGrpcTransport({ address: flags.endpoint ?? DEFAULT_GRPC_ADDRESS, insecure });
  return new OperationsClient({ transport, ...(flags.callTimeout !== undefined && { timeoutMs: flags.callTimeout }) });
}

function restUrl(endpoint: string | undefined, insecure: boolean): string {
  if (endpoint === undefined) return DEFAULT_REST_URL;
  return /^https?:\/\//.test(endpoint) ? endpoint : `${insecure ? 'http' : 'https'}://${endpoint}`;
}
