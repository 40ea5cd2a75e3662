/**
 * The client the command's common flags describe, and the checks of those flags that come
 * first: conflicting flags, an endpoint that can't be right, a token file that can't be read
 * are usage errors (exit 2) before anything is sent.
 */
import { readFile } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import {
  EMULATOR_HOST_ENV,
  GENERIC_RULES,
  OPTIMIZATION_V1_RULES,
  OperationsClient,
  ROUTE_OPTIMIZATION_V1_RULES,
  createGrpcTransport,
  createRestTransport,
  type AuthLike,
  type HttpRules,
} from '..';
import type { ApiName } from './args';
import { endpointProblem } from './endpoint';
import { UsageError, plainReason, readToken } from './files';

/** What `--api` selects: the HTTP rules (and so the names taken), and Google's host for it, if any. */
export interface ApiTarget {
  readonly rules: HttpRules;
  readonly host?: string;
  /** What the emulator's seeded op-1 ... op-N are called, up to their id. */
  readonly seedPrefix: string;
}

export const API_TARGETS: Readonly<Record<ApiName, ApiTarget>> = {
  optimization: {
    rules: OPTIMIZATION_V1_RULES,
    host: 'optimization.googleapis.com',
    seedPrefix: 'projects/demo/operations/',
  },
  'route-optimization': {
    rules: ROUTE_OPTIMIZATION_V1_RULES,
    host: 'routeoptimization.googleapis.com',
    seedPrefix: 'projects/demo/locations/global/operations/',
  },
  generic: { rules: GENERIC_RULES, seedPrefix: 'operations/' },
};

export interface ConnectionFlags {
  /** The API (default optimization): its operation names, HTTP rules and default endpoint. */
  readonly api?: ApiName;
  /** host:port (gRPC) or a URL (REST; host:port alone gets https://, or http:// with --insecure). */
  readonly endpoint?: string;
  readonly transport: 'grpc' | 'rest';
  readonly insecure?: boolean;
  /** Each call's deadline, in ms. */
  readonly callTimeout?: number;
  readonly apiKey?: string;
  /** A file holding a bearer token (`-`: standard input), sent as `authorization: Bearer <token>`. */
  readonly accessTokenFile?: string;
  readonly quotaProject?: string;
  /** A PEM file of root certificates to trust. */
  readonly caCert?: string;
  /** false: send no credentials (--no-auth). */
  readonly auth?: boolean;
}

/** The environment the command reads: LONGRUN_EMULATOR_HOST. */
export type Env = Readonly<Record<string, string | undefined>>;

/** The flags once checked, with the token of `--access-token-file` read (kept out of every message). */
export interface Connection extends ConnectionFlags {
  readonly token?: string;
  /** The certificates of `--ca-cert`, read. */
  readonly rootCerts?: Buffer;
  /** LONGRUN_EMULATOR_HOST when there is no `--endpoint`: plaintext, no credentials, as the transports take it. */
  readonly emulatorHost?: string;
}

/**
 * Checks the flags that can be wrong without sending anything, throwing a UsageError of one
 * line: conflicting credentials, `--insecure` with an https:// endpoint or without an
 * endpoint, an endpoint that isn't of its transport's form, an `--api` without a Google
 * endpoint (generic) and no `--endpoint` or LONGRUN_EMULATOR_HOST.
 */
export function checkConnectionFlags(flags: ConnectionFlags, env: Env): void {
  const conflict = credentialConflict(flags);
  if (conflict !== undefined) throw new UsageError(conflict);
  const { endpoint, transport, insecure } = flags;
  if (endpoint !== undefined) {
    const problem = endpointProblem(endpoint, transport);
    if (problem !== undefined) throw new UsageError(problem);
    if (insecure && /^https:\/\//i.test(endpoint)) {
      throw new UsageError('--insecure with an https:// endpoint: use http:// for plaintext, or drop --insecure');
    }
  } else if (!env[EMULATOR_HOST_ENV]) {
    const example = transport === 'rest' ? 'http://localhost:8080' : 'localhost:50051';
    if (API_TARGETS[flags.api ?? 'optimization'].host === undefined) {
      throw new UsageError(
        `--api ${flags.api} has no Google endpoint: give --endpoint (e.g. ${example}) or ${EMULATOR_HOST_ENV}`,
      );
    }
    if (insecure) {
      throw new UsageError(
        `--insecure needs --endpoint (e.g. ${example}) or ${EMULATOR_HOST_ENV}: the default endpoint is TLS only`,
      );
    }
  }
}

/** Two ways of giving credentials at once, as one line; undefined when there is none. */
function credentialConflict(flags: ConnectionFlags): string | undefined {
  const given = [
    flags.auth === false && '--no-auth',
    flags.apiKey !== undefined && '--api-key',
    flags.accessTokenFile !== undefined && '--access-token-file',
  ].filter((flag): flag is string => flag !== false);
  return given.length > 1
    ? `${given.join(' and ')} can't be used together: choose one way to authenticate, or none`
    : undefined;
}

/**
 * Checks the flags (see {@link checkConnectionFlags}) and reads the token file (`-`: `stdin`);
 * UsageError on a problem.
 */
export async function prepareConnection(flags: ConnectionFlags, stdin: Readable, env: Env): Promise<Connection> {
  checkConnectionFlags(flags, env);
  const token = flags.accessTokenFile === undefined ? undefined : await readToken(flags.accessTokenFile, stdin);
  const rootCerts = flags.caCert === undefined ? undefined : await readCaCert(flags.caCert);
  const emulatorHost = flags.endpoint === undefined ? env[EMULATOR_HOST_ENV] || undefined : undefined;
  return {
    ...flags,
    ...(token !== undefined && { token }),
    ...(rootCerts !== undefined && { rootCerts }),
    ...(emulatorHost !== undefined && { emulatorHost }),
  };
}

/** The PEM file of `--ca-cert`; a file that can't be read is a UsageError naming it. */
async function readCaCert(file: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (error) {
    throw new UsageError(`cannot read --ca-cert ${file}: ${plainReason(error)}`);
  }
}

/** The client of checked flags (see {@link prepareConnection}). */
export function connect(flags: Connection): OperationsClient {
  const insecure = flags.insecure === true;
  const security = {
    ...(flags.apiKey !== undefined && { apiKey: flags.apiKey }),
    ...(flags.auth === false && { auth: 'none' as const }),
    ...(flags.token !== undefined && { auth: bearer(flags.token) }),
    ...(flags.rootCerts !== undefined && { rootCerts: flags.rootCerts }),
  };
  const { rules, host } = API_TARGETS[flags.api ?? 'optimization'];
  // --endpoint; else LONGRUN_EMULATOR_HOST, taken as the transports take it (plaintext, no
  // credentials); else the API's Google endpoint (checkConnectionFlags made sure there is one).
  const { endpoint, emulatorHost } = flags;
  const target = emulatorHost === undefined ? { ...security, insecure } : { auth: 'none' as const, insecure: true };
  const transport =
    flags.transport === 'rest'
      ? createRestTransport({
          ...target,
          rules,
          baseUrl:
            endpoint !== undefined
              ? restUrl(endpoint, insecure)
              : emulatorHost !== undefined
                ? restUrl(emulatorHost, true)
                : `https://${host}`,
        })
      : createGrpcTransport({ ...target, rules, address: endpoint ?? emulatorHost ?? `${host}:443` });
  return new OperationsClient({
    transport,
    ...(flags.callTimeout !== undefined && { timeoutMs: flags.callTimeout }),
    ...(flags.quotaProject !== undefined && { quotaProject: flags.quotaProject }),
  });
}

/** An auth client that gives one fixed bearer token. */
function bearer(token: string): AuthLike {
  const headers = { authorization: `Bearer ${token}` };
  return { getRequestHeaders: () => Promise.resolve(headers) };
}

function restUrl(endpoint: string, insecure: boolean): string {
  return /^https?:\/\//i.test(endpoint) ? endpoint : `${insecure ? 'http' : 'https'}://${endpoint}`;
}
