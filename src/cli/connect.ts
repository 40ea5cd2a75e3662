/** The client the command's common flags describe. */
import { OperationsClient } from '../client';
import { readFileSync } from 'node:fs';
import { createGrpcTransport } from '../transports/grpc';
import { createRestTransport } from '../transports/rest';

export interface ConnectionFlags {
  /** host:port (gRPC) or a URL (REST; host:port alone gets https://, or http:// with --insecure). */
  readonly endpoint?: string;
  readonly transport: 'grpc' | 'rest';
  readonly insecure?: boolean;
  /** Each call's deadline, in ms. */
  readonly callTimeout?: number;
  readonly apiKey?: string;
  readonly quotaProject?: string;
  /** A PEM file of root certificates to trust. */
  readonly caCert?: string;
  /** false: send no credentials (--no-auth). */
  readonly auth?: boolean;
}

export function connect(flags: ConnectionFlags): OperationsClient {
  const insecure = flags.insecure === true;
  const security = {
    ...(flags.apiKey !== undefined && { apiKey: flags.apiKey }),
    ...(flags.auth === false && { auth: 'none' as const }),
    ...(flags.caCert !== undefined && { rootCerts: readFileSync(flags.caCert) }),
  };
  // Without --endpoint, LONGRUN_EMULATOR_HOST (when set) or the production endpoint.
  const transport =
    flags.transport === 'rest'
      ? createRestTransport({
          ...security,
          ...(flags.endpoint !== undefined && { baseUrl: restUrl(flags.endpoint, insecure) }),
          insecure,
        })
      : createGrpcTransport({
          ...security,
          ...(flags.endpoint !== undefined && { address: flags.endpoint }),
          insecure,
        });
  return new OperationsClient({
    transport,
    ...(flags.callTimeout !== undefined && { timeoutMs: flags.callTimeout }),
    ...(flags.quotaProject !== undefined && { quotaProject: flags.quotaProject }),
  });
}

function restUrl(endpoint: string, insecure: boolean): string {
  return /^https?:\/\//.test(endpoint) ? endpoint : `${insecure ? 'http' : 'https'}://${endpoint}`;
}
