/**
 * Credentials: Application Default Credentials (google-auth-library, loaded only when used),
 * a caller's own auth client, or an API key; and the rule that no credential goes over
 * plaintext to a host that isn't this machine.
 */
import { isIP } from 'node:net';
import { Code, OperationsError, localError, redact } from './errors';
import type { Metadata } from './transport';

/** The OAuth scope longrun asks Application Default Credentials for. */
export const CLOUD_PLATFORM_SCOPE = 'https://www.googleapis.com/auth/cloud-platform';

/**
 * Anything that gives request headers: google-auth-library's `GoogleAuth` or any of its auth
 * clients (`OAuth2Client`, `JWT`, `Impersonated`, ...).
 */
export interface AuthLike {
  /**
   * Resolves to the headers that authenticate a request (e.g. `authorization`), as a fetch
   * `Headers` or a plain object. longrun calls it without `url`.
   */
  getRequestHeaders(url?: string): Promise<unknown>;
}

/** Who the calls are made as. The same options mean the same on both transports. */
export interface CredentialOptions {
  /**
   * An auth client of yours, `'adc'` for Application Default Credentials, or `'none'`.
   * Default: `'adc'` over TLS (unless `apiKey` is set), `'none'` over plaintext.
   */
  readonly auth?: AuthLike | 'adc' | 'none';
  /** An API key, sent as `x-goog-api-key`. */
  readonly apiKey?: string;
  /**
   * More request metadata keys that carry a credential, besides `authorization`,
   * `proxy-authorization`, `x-goog-api-key`, `x-goog-iam-authorization-token` and `cookie` (e.g. a
   * gateway's own `x-internal-token`): their values are redacted by value from every error and
   * operation error, and never sent over plaintext to a host off this machine. Default none.
   */
  readonly credentialMetadataKeys?: readonly string[];
}

/** The environment variable naming a local emulator: plaintext, no credentials (as Google's `*_EMULATOR_HOST`). */
export const EMULATOR_HOST_ENV = 'LONGRUN_EMULATOR_HOST';

/** A transport's credential options, or none (the caller's credential keys kept) when it talks to `emulator`. */
export function emulatorCredentials(emulator: string | undefined, options: CredentialOptions): CredentialOptions {
  if (!emulator) return options;
  const { credentialMetadataKeys } = options;
  return { auth: 'none', ...(credentialMetadataKeys !== undefined && { credentialMetadataKeys }) };
}

/**
 * True for 127.0.0.0/8, ::1 (and its IPv4-mapped form of 127.x) and `localhost`: traffic that
 * never leaves the machine. Decided from the text alone, before any name lookup: every other
 * name, `*.localhost` included (a resolver may send it anywhere), counts as remote.
 */
export function isLoopback(host: string): boolean {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (bare.toLowerCase() === 'localhost') return true;
  if (isIP(bare) === 4) return bare.startsWith('127.');
  if (isIP(bare) === 6) return bare === '::1' || bare === '0:0:0:0:0:0:0:1' || /^::ffff:127\./i.test(bare);
  return false;
}

/** The credential headers of one transport's calls. */
export interface CallCredentials {
  /** Headers to add to each call; rejects with an OperationsError (UNAUTHENTICATED or a local refusal). */
  headers(): Promise<Metadata>;
}

/**
 * The credentials for a transport to `host` (without port), or undefined when calls carry
 * none. Over plaintext to a host that isn't loopback, explicit credentials make every call
 * fail locally (FAILED_PRECONDITION) before anything is sent.
 */
export function callCredentials(
  options: CredentialOptions,
  host: string,
  plaintext: boolean,
): CallCredentials | undefined {
  const { apiKey } = options;
  const auth = options.auth ?? (plaintext || apiKey !== undefined ? 'none' : 'adc');
  if (auth === 'none' && apiKey === undefined) return undefined;
  if (plaintext && !isLoopback(host)) {
    const refusal = localError(
      Code.FAILED_PRECONDITION,
      `refusing to send credentials over plaintext to ${host}, which is not this machine: use TLS (insecure is for a local emulator)`,
    );
    return { headers: () => Promise.reject(refusal) };
  }
  const fixed: Record<string, string> = apiKey === undefined ? {} : { 'x-goog-api-key': apiKey };
  if (auth === 'none') return { headers: () => Promise.resolve(fixed) };
  let client: AuthLike | undefined = auth === 'adc' ? undefined : auth;
  return {
    async headers(): Promise<Metadata> {
      client ??= loadAdc();
      let raw: unknown;
      try {
        raw = await client.getRequestHeaders();
      } catch (error) {
        // The auth library's text may quote what it was given: keep only a redacted copy.
        const text = redact(error instanceof Error ? error.message : String(error));
        throw new OperationsError(Code.UNAUTHENTICATED, `could not get credentials: ${text}`, {
          cause: new Error(text),
        });
      }
      return { ...headerRecord(raw), ...fixed };
    },
  };
}

/** Application Default Credentials, google-auth-library loaded now and not before. */
function loadAdc(): AuthLike {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { GoogleAuth } = require('google-auth-library') as typeof import('google-auth-library');
  return new GoogleAuth({ scopes: CLOUD_PLATFORM_SCOPE });
}

/** google-auth-library gives a fetch `Headers` (v10) or a plain object (earlier): lower-case keys, string values. */
function headerRecord(raw: unknown): Record<string, string> {
  const record: Record<string, string> = {};
  if (raw && typeof (raw as Headers).forEach === 'function' && typeof (raw as Headers).get === 'function') {
    (raw as Headers).forEach((value, key) => (record[key.toLowerCase()] = value));
  } else if (raw && typeof raw === 'object') {
    for (const [key, value] of Object.entries(raw)) if (typeof value === 'string') record[key.toLowerCase()] = value;
  }
  return record;
}

/**
 * Request metadata that is a credential: never sent over plaintext off the machine, and its
 * values redacted from every error and operation error a server sends back.
 */
export const SECRET_KEYS: readonly string[] = Object.freeze([
  'authorization',
  'proxy-authorization',
  'x-goog-api-key',
  'x-goog-iam-authorization-token',
  'cookie',
]);

/**
 * What a transport adds to, or refuses in, each call's metadata: its credentials' headers,
 * and over plaintext to a host that isn't loopback, a refusal of any credential (theirs or
 * the caller's own `authorization`). Without credentials and over TLS or loopback it does
 * nothing, synchronously.
 */
export class CallAuth {
  private readonly credentials: CallCredentials | undefined;
  /** Plaintext to a host off this machine. */
  private readonly exposed: boolean;
  /** The metadata keys that carry a credential: {@link SECRET_KEYS} and the caller's `credentialMetadataKeys`. */
  readonly secretKeys: readonly string[];

  constructor(
    options: CredentialOptions,
    private readonly hosts: readonly string[],
    plaintext: boolean,
  ) {
    const foreign = hosts.find((host) => !isLoopback(host));
    this.exposed = plaintext && foreign !== undefined;
    this.credentials = callCredentials(options, foreign ?? hosts[0] ?? '', plaintext);
    const extra = options.credentialMetadataKeys ?? [];
    if (!Array.isArray(extra) || !extra.every((key) => typeof key === 'string' && /^[0-9a-z_.-]+$/i.test(key))) {
      throw localError(Code.INVALID_ARGUMENT, 'credentialMetadataKeys must be metadata keys (letters, digits, _ . -)');
    }
    this.secretKeys =
      extra.length === 0
        ? SECRET_KEYS
        : Object.freeze([...new Set([...SECRET_KEYS, ...extra.map((key) => key.toLowerCase())])]);
  }

  /** The call's metadata with credentials added, or a local refusal. */
  apply(metadata: Metadata | undefined): Metadata | undefined | Promise<Metadata | undefined> {
    if (this.exposed && metadata && this.secretKeys.some((key) => metadata[key] !== undefined)) {
      return Promise.reject(
        localError(
          Code.FAILED_PRECONDITION,
          `refusing to send credential metadata over plaintext to ${this.hosts.join(', ')}, which is not this machine`,
        ),
      );
    }
    if (!this.credentials) return metadata;
    return this.credentials.headers().then((headers) => (metadata ? { ...headers, ...metadata } : headers));
  }
}

/** The hosts a grpc-js target names: `host:port`, `[v6]:port`, `dns:[//authority/]host:port`, `ipv4:a:p,b:p`, `unix:` (loopback). */
export function targetHosts(target: string): string[] {
  if (target.startsWith('unix:') || target.startsWith('unix-abstract:')) return ['localhost'];
  let rest = target;
  const scheme = /^(dns|ipv4|ipv6):/.exec(rest);
  if (scheme) rest = rest.slice(scheme[0].length);
  if (rest.startsWith('//')) rest = rest.slice(rest.indexOf('/', 2) + 1);
  return rest.split(',').map(hostOf);
}

function hostOf(hostPort: string): string {
  if (hostPort.startsWith('[')) return hostPort.slice(1, hostPort.indexOf(']'));
  const colons = hostPort.split(':').length - 1;
  if (colons === 1) return hostPort.slice(0, hostPort.indexOf(':'));
  return hostPort; // a bare host, or a bare IPv6 address
}
