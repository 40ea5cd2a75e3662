/**
 * RELIABILITY 24, redaction by value: whatever a credential looks like, a server that echoes it
 * back can't get it into the error the caller sees. Random secrets of random shapes (API keys,
 * OAuth tokens, opaque strings, hex, base64url, JWT-like) are sent the four ways a call can send
 * them (a transport's `apiKey`, a bearer token from its `auth` client, the caller's own
 * `authorization` or `x-goog-api-key` metadata) to hostile servers on 127.0.0.1 that echo what
 * they heard in every place a server can put text: over gRPC the status message (percent-encoded
 * as the spec says, or with encodeURIComponent), every detail of `grpc-status-details-bin`
 * (ErrorInfo, LocalizedMessage, DebugInfo, Help, an unknown type's bytes and type URL) and extra
 * trailers, text and binary; over REST a Google JSON error's message and details and a header,
 * or a text/plain 500 body. The secret, its percent-encoded form (and anything that
 * percent-decodes to it), and the token without its `Bearer ` prefix must appear nowhere:
 * message, rawMessage, String(), stack, util.inspect, JSON.stringify, the details, the cause
 * chain; and the error must still say what happened (its code, the ErrorInfo's reason).
 *
 * An operation's own error (RELIABILITY 34, 35): random secrets sent by each way, echoed by
 * the emulator into a done operation's error message and ErrorInfo in random forms (as is,
 * base64, base64url, hex, percent-encoded), read back over both transports: no form of the
 * secret in the operation, nor in the OperationsError made of it. And: a call error's detail
 * nesting the secret deeper than redaction walks (dropped, not kept), and values too short to
 * be credentials, which stay readable.
 *
 * Then fixed cases: a key not shaped like `AIza...` and a token without `Bearer ` (the leaks
 * reported before redaction by value); the secret only in names a server chooses (map keys,
 * JSON field names, trailer names); a secret whose head a pattern (`Bearer x`, `key=x`) matches,
 * whose tail must not stay behind; the secret percent-encoded by other encoders (RFC 3986 strict
 * as Go and Python do, lower-case hex, encodeURIComponent half decoded by grpc-js' decodeURI).
 */
import * as http from 'node:http';
import * as http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import * as util from 'node:util';
import * as fc from 'fast-check';
import { Code, OperationsClient, OperationsError, createGrpcTransport, createRestTransport } from '../../src';
import type { AuthLike, Metadata, Transport } from '../../src';
import { Any } from '../../generated/google/protobuf/any';
import { DebugInfo, ErrorInfo, Help, LocalizedMessage } from '../../generated/google/rpc/error_details';
import { Status } from '../../generated/google/rpc/status';
import { startEmulator, type Emulator } from '../../src/emulator';
import { trackConnections } from '../helpers/track';

const NAME = 'projects/p/operations/o';
/** The ErrorInfo reason every echo server sends: never a secret, so it must reach the caller intact. */
const REASON = 'CREDENTIAL_ECHOED';
/** Request metadata telling the echo servers how to answer (set per call, alongside the credential). */
const MODE_HEADER = 'x-echo-mode';
const RUNS = 25;

// ---------------------------------------------------------------------------------------------
// Secrets and how they are sent.

const chars = (alphabet: string): fc.Arbitrary<string> => fc.constantFrom(...alphabet.split(''));
const ALNUM = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const B64URL = `${ALNUM}-_`;

/** Secrets of every shape; all at least 12 characters, printable ASCII, no spaces. */
const secretArb: fc.Arbitrary<string> = fc.oneof(
  // A Google API key.
  fc.string({ unit: chars(B64URL), minLength: 35, maxLength: 35 }).map((s) => `AIza${s}`),
  // A Google OAuth access token.
  fc.string({ unit: chars(`${B64URL}.`), minLength: 12, maxLength: 59 }).map((s) => `ya29.${s}`),
  // Anything printable: quotes, backslashes, %, reserved URI characters.
  fc.string({
    unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)),
    minLength: 12,
    maxLength: 64,
  }),
  // Hex (lower or upper case).
  fc
    .tuple(fc.string({ unit: chars('0123456789abcdef'), minLength: 12, maxLength: 64 }), fc.boolean())
    .map(([s, upper]) => (upper ? s.toUpperCase() : s)),
  // base64url.
  fc.string({ unit: chars(B64URL), minLength: 12, maxLength: 64 }),
  // JWT-like: header.payload.signature.
  fc
    .tuple(
      fc.string({ unit: chars(B64URL), minLength: 4, maxLength: 20 }),
      fc.string({ unit: chars(B64URL), minLength: 4, maxLength: 20 }),
      fc.string({ unit: chars(B64URL), minLength: 4, maxLength: 20 }),
    )
    .map((parts) => parts.join('.')),
);

type SendMode = 'apiKey' | 'auth' | 'metadata-authorization' | 'metadata-api-key';
const SEND_MODES: readonly SendMode[] = ['apiKey', 'auth', 'metadata-authorization', 'metadata-api-key'];

/** An auth client that answers with a bearer token. */
function bearer(token: string): AuthLike {
  return { getRequestHeaders: async () => ({ authorization: `Bearer ${token}` }) };
}

/** The transport options' credential and the call's metadata for sending `secret` the `mode` way. */
function credentialOf(
  mode: SendMode,
  secret: string,
): { readonly options: { apiKey?: string; auth?: AuthLike }; readonly metadata: Metadata } {
  switch (mode) {
    case 'apiKey':
      return { options: { apiKey: secret }, metadata: {} };
    case 'auth':
      return { options: { auth: bearer(secret) }, metadata: {} };
    case 'metadata-authorization':
      return { options: {}, metadata: { authorization: `Bearer ${secret}` } };
    case 'metadata-api-key':
      return { options: {}, metadata: { 'x-goog-api-key': secret } };
  }
}

// ---------------------------------------------------------------------------------------------
// What the echo servers heard.

interface Heard {
  /** The credential header as it arrived: `Bearer <token>` or the API key. */
  readonly header: string;
  /** The credential itself: the token without its `Bearer ` prefix, or the API key. */
  readonly secret: string;
}

function heardFrom(headers: http.IncomingHttpHeaders | http2.IncomingHttpHeaders): Heard {
  const authorization = headers['authorization'];
  const apiKey = headers['x-goog-api-key'];
  if (typeof authorization === 'string') {
    return { header: authorization, secret: authorization.replace(/^Bearer\s+/i, '') };
  }
  if (typeof apiKey === 'string') return { header: apiKey, secret: apiKey };
  return { header: '', secret: '' };
}

/**
 * Percent-encoding as the gRPC spec has it for `grpc-message`: `%` and what isn't printable
 * ASCII, nothing else. `component` mode uses encodeURIComponent instead (as many servers do):
 * grpc-js decodes with decodeURI, which leaves reserved characters (`/`, `?`, `=`, ...) encoded.
 */
function grpcMessageEncode(text: string, component: boolean): string {
  if (component) return encodeURIComponent(text);
  return text.replace(/[^\x20-\x24\x26-\x7e]/gu, (c) => encodeURIComponent(c));
}

/** `c` as `%XX`, upper-case hex. */
const percentEscape = (c: string): string => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`;

/** Ways servers percent-encode a value they quote (a query parameter, a URL in a message). */
const ENCODERS = {
  /** JavaScript's encodeURIComponent: the form longrun also treats as a secret. */
  'uri-component': encodeURIComponent,
  /** RFC 3986 strict, all but `A-Za-z0-9-._~`: Go's url.QueryEscape, Python's quote(s, safe=''). */
  rfc3986: (text: string): string => encodeURIComponent(text).replace(/[!'()*]/g, percentEscape),
  /** encodeURIComponent with lower-case hex digits (RFC 3986 says they are equivalent). */
  'lower-hex': (text: string): string => encodeURIComponent(text).replace(/%[0-9A-F]{2}/g, (e) => e.toLowerCase()),
} as const;
type EncoderName = keyof typeof ENCODERS;

// ---------------------------------------------------------------------------------------------
// The gRPC echo server: raw node:http2, a FAILED_PRECONDITION full of what it heard.

type GrpcMode =
  'trailers-only' | 'headers-trailers' | 'component-encoded' | 'bare' | 'names' | `encoded-${EncoderName}`;

/** A detail: an Any of `typeUrl` holding `bytes`. */
function detail(typeUrl: string, bytes: Uint8Array): Any {
  return { typeUrl, value: Buffer.from(bytes) };
}

/** The google.rpc.Status of the echo, serialized (what goes into `grpc-status-details-bin`). */
function echoStatusBytes(heard: Heard, bare: boolean): Buffer {
  const { secret } = heard;
  const header = bare ? secret : heard.header;
  const encoded = encodeURIComponent(secret);
  return Buffer.from(
    Status.encode({
      code: Code.FAILED_PRECONDITION,
      message: `status message for ${secret} (${header})`,
      details: [
        detail(
          'type.googleapis.com/google.rpc.ErrorInfo',
          ErrorInfo.encode({
            reason: REASON,
            domain: `evil.example/${secret}`,
            metadata: { echo: secret, header, encoded, prose: `the caller sent ${secret}` },
          }).finish(),
        ),
        detail(
          'type.googleapis.com/google.rpc.LocalizedMessage',
          LocalizedMessage.encode({
            locale: 'en',
            message: `Your credential ${secret} (${encoded}) was refused`,
          }).finish(),
        ),
        detail(
          'type.googleapis.com/google.rpc.DebugInfo',
          DebugInfo.encode({
            stackEntries: [`at check(${secret})`, header, encoded],
            detail: `credential=${secret}`,
          }).finish(),
        ),
        detail(
          'type.googleapis.com/google.rpc.Help',
          Help.encode({
            links: [
              { description: `help for ${secret}`, url: `https://evil.example/help?key=${encoded}` },
              { description: header, url: `https://evil.example/help?key=${secret}` },
            ],
          }).finish(),
        ),
        detail('type.googleapis.com/evil.Echo', Buffer.from(secret, 'utf8')),
        detail(`type.googleapis.com/evil.${secret}`, Buffer.from(`${header} ${encoded}`, 'utf8')),
      ],
    }).finish(),
  );
}

/** A gRPC metadata key may hold a secret only if the secret is made of a key's characters. */
const METADATA_KEY = /^[0-9a-z_.-]+$/;

/**
 * The `names` echo: the secret only in names the server chooses (ErrorInfo metadata keys, a
 * trailer's name), never in a value.
 */
function grpcNamesTrailers(secret: string): http2.OutgoingHttpHeaders {
  const status = Status.encode({
    code: Code.FAILED_PRECONDITION,
    message: 'names',
    details: [
      detail(
        'type.googleapis.com/google.rpc.ErrorInfo',
        ErrorInfo.encode({ reason: REASON, domain: 'evil.example', metadata: { [secret]: 'a key' } }).finish(),
      ),
    ],
  }).finish();
  return {
    'grpc-status': String(Code.FAILED_PRECONDITION),
    'grpc-message': 'credential refused',
    'grpc-status-details-bin': Buffer.from(status).toString('base64'),
    ...(METADATA_KEY.test(secret) && { [`x-echo-${secret}`]: 'a trailer name' }),
  };
}

/** The `encoded-*` echo: the secret only percent-encoded by `encoder`, in the message and details. */
function grpcEncodedTrailers(secret: string, encoder: EncoderName): http2.OutgoingHttpHeaders {
  const encoded = ENCODERS[encoder](secret);
  const status = Status.encode({
    code: Code.FAILED_PRECONDITION,
    message: 'encoded',
    details: [
      detail(
        'type.googleapis.com/google.rpc.ErrorInfo',
        ErrorInfo.encode({ reason: REASON, domain: 'evil.example', metadata: { echo: encoded } }).finish(),
      ),
      detail(
        'type.googleapis.com/google.rpc.DebugInfo',
        DebugInfo.encode({ stackEntries: [`GET /v1/check/${encoded}`], detail: encoded }).finish(),
      ),
    ],
  }).finish();
  return {
    'grpc-status': String(Code.FAILED_PRECONDITION),
    'grpc-message': grpcMessageEncode(`credential ${encoded} refused`, false),
    'grpc-status-details-bin': Buffer.from(status).toString('base64'),
  };
}

function grpcEchoTrailers(heard: Heard, mode: GrpcMode): http2.OutgoingHttpHeaders {
  const { secret } = heard;
  if (mode === 'names') return grpcNamesTrailers(secret);
  if (mode.startsWith('encoded-')) return grpcEncodedTrailers(secret, mode.slice('encoded-'.length) as EncoderName);
  const bare = mode === 'bare';
  const header = bare ? secret : heard.header;
  const message = `credential ${secret} refused (${header}; encoded ${encodeURIComponent(secret)})`;
  return {
    'grpc-status': String(Code.FAILED_PRECONDITION),
    'grpc-message': grpcMessageEncode(message, mode === 'component-encoded'),
    'grpc-status-details-bin': echoStatusBytes(heard, bare).toString('base64'),
    'x-echo': secret,
    'x-echo-header': header,
    'x-echo-encoded': encodeURIComponent(secret),
    'x-echo-bin': Buffer.from(`binary echo: ${secret} / ${header}`, 'utf8').toString('base64'),
  };
}

interface EchoServer {
  readonly port: number;
  /** What the requests carried, in order. */
  readonly heard: Heard[];
  close(): Promise<void>;
}

async function startGrpcEchoServer(): Promise<EchoServer> {
  const heard: Heard[] = [];
  const server = http2.createServer();
  const tracked = trackConnections(server);
  server.on('stream', (stream, headers) => {
    stream.on('error', () => undefined);
    stream.resume();
    const what = heardFrom(headers);
    heard.push(what);
    const mode = String(headers[MODE_HEADER] ?? 'trailers-only') as GrpcMode;
    const trailers = grpcEchoTrailers(what, mode);
    const base = { ':status': 200, 'content-type': 'application/grpc' };
    if (mode === 'headers-trailers') {
      stream.respond(base, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers(trailers));
      stream.end();
    } else {
      stream.respond({ ...base, ...trailers }, { endStream: true });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    heard,
    close: () =>
      new Promise<void>((resolve) => {
        tracked.destroyAll();
        server.close(() => resolve());
      }),
  };
}

// ---------------------------------------------------------------------------------------------
// The REST echo server: node:http, a Google JSON error (or a text/plain 500) full of what it heard.

type RestMode = 'json' | 'text' | 'bare' | 'names' | `encoded-${EncoderName}`;

function restEchoBody(heard: Heard, bare: boolean): string {
  const { secret } = heard;
  const header = bare ? secret : heard.header;
  const encoded = encodeURIComponent(secret);
  return JSON.stringify({
    error: {
      code: 400,
      status: 'FAILED_PRECONDITION',
      message: `credential ${secret} refused (${header}; encoded ${encoded})`,
      details: [
        {
          '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
          reason: REASON,
          domain: `evil.example/${secret}`,
          metadata: { echo: secret, header, encoded },
        },
        { '@type': 'type.googleapis.com/google.rpc.LocalizedMessage', locale: 'en', message: secret },
        {
          '@type': 'type.googleapis.com/google.rpc.DebugInfo',
          stackEntries: [`at check(${secret})`, header],
          detail: encoded,
        },
        {
          '@type': 'type.googleapis.com/google.rpc.Help',
          links: [{ description: header, url: `https://evil.example/help?key=${encoded}` }],
        },
        { '@type': 'type.googleapis.com/evil.Echo', echo: secret, nested: { deep: [header, encoded] } },
        { '@type': `type.googleapis.com/evil.${secret}`, value: header },
      ],
    },
  });
}

/** The `names` echo: the secret only in names the server chooses (map keys, JSON field names). */
function restNamesBody(secret: string): string {
  return JSON.stringify({
    error: {
      code: 400,
      status: 'FAILED_PRECONDITION',
      message: 'credential refused',
      details: [
        {
          '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
          reason: REASON,
          domain: 'evil.example',
          metadata: { [secret]: 'a key' },
        },
        { '@type': 'type.googleapis.com/evil.Echo', [secret]: 'a field name', nested: { [secret]: 1 } },
      ],
    },
  });
}

/** The `encoded-*` echo: the secret only percent-encoded by `encoder`, in the message and details. */
function restEncodedBody(secret: string, encoder: EncoderName): string {
  const encoded = ENCODERS[encoder](secret);
  return JSON.stringify({
    error: {
      code: 400,
      status: 'FAILED_PRECONDITION',
      message: `credential ${encoded} refused`,
      details: [
        {
          '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
          reason: REASON,
          domain: 'evil.example',
          metadata: { echo: encoded },
        },
        { '@type': 'type.googleapis.com/google.rpc.DebugInfo', stackEntries: [`GET /v1/check/${encoded}`] },
      ],
    },
  });
}

async function startRestEchoServer(): Promise<EchoServer> {
  const heard: Heard[] = [];
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const what = heardFrom(req.headers);
      heard.push(what);
      const mode = String(req.headers[MODE_HEADER] ?? 'json') as RestMode;
      res.setHeader('x-echo', what.secret);
      res.setHeader('x-echo-header', mode === 'bare' ? what.secret : what.header);
      if (mode === 'text') {
        res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
        // The secret first: the client quotes at most 200 characters of a text body.
        res.end(`${what.secret} was refused (${what.header})`);
        return;
      }
      res.writeHead(400, { 'content-type': 'application/json; charset=utf-8' });
      if (mode === 'names') res.end(restNamesBody(what.secret));
      else if (mode.startsWith('encoded-')) res.end(restEncodedBody(what.secret, mode.slice(8) as EncoderName));
      else res.end(restEchoBody(what, mode === 'bare'));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    heard,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

// ---------------------------------------------------------------------------------------------
// Everything a caller may print of an error, and where a secret hides in it.

/** JSON.stringify replacer: byte strings as Latin-1 text, so that bytes holding a secret show it. */
function bytesAsText(this: unknown, key: string, value: unknown): unknown {
  const raw = (this as Record<string, unknown>)[key];
  if (raw instanceof Uint8Array) return Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('latin1');
  return value;
}

function stringify(value: unknown): string {
  try {
    return JSON.stringify(value, bytesAsText) ?? String(value);
  } catch (error) {
    return `<JSON.stringify threw ${String(error)}>`;
  }
}

/** Each place of `error` a caller may print, by name. */
function printedPlaces(error: OperationsError): Array<[string, string]> {
  const places: Array<[string, string]> = [
    ['message', error.message],
    ['rawMessage', error.rawMessage],
    ['String(error)', String(error)],
    ['stack', error.stack ?? ''],
    ['util.inspect', util.inspect(error, { depth: Infinity })],
    ['JSON.stringify(error)', stringify(error)],
    ['JSON.stringify(details)', stringify(error.details)],
  ];
  let cause: unknown = error.cause;
  for (let depth = 0; cause !== undefined && depth < 8; depth++) {
    const at = `cause${'.cause'.repeat(depth)}`;
    if (cause instanceof Error) {
      places.push([`${at}.message`, cause.message], [`${at}.stack`, cause.stack ?? '']);
      // Every own field (enumerable or not), bytes as text; binary metadata (base64) decoded.
      for (const key of Object.getOwnPropertyNames(cause)) {
        const value: unknown = (cause as unknown as Record<string, unknown>)[key];
        places.push([`${at}.${key}`, typeof value === 'string' ? value : stringify(value)]);
        if (key === 'metadata' && typeof value === 'object' && value !== null) {
          for (const [name, text] of Object.entries(value)) {
            if (name.endsWith('-bin') && typeof text === 'string') {
              places.push([`${at}.metadata[${name}] (base64 decoded)`, Buffer.from(text, 'base64').toString('latin1')]);
            }
          }
        }
      }
    }
    places.push([`String(${at})`, String(cause)], [`inspect(${at})`, util.inspect(cause, { depth: Infinity })]);
    places.push([`JSON.stringify(${at})`, stringify(cause)]);
    cause = (cause as { cause?: unknown } | null)?.cause;
  }
  return places;
}

/** `%XX` of printable ASCII decoded, the rest left as is (never throws, unlike decodeURIComponent). */
function percentDecode(text: string): string {
  return text.replace(/%([0-9A-Fa-f]{2})/g, (whole, hex: string) => {
    const code = parseInt(hex, 16);
    return code >= 0x20 && code <= 0x7e ? String.fromCharCode(code) : whole;
  });
}

/** The forms a secret takes once printed: as is, percent-encoded, escaped in JSON or by util.inspect. */
function printedForms(secret: string): Array<[string, string]> {
  const forms: Array<[string, string]> = [
    ['the secret', secret],
    ['the secret percent-encoded', encodeURIComponent(secret)],
    ['the secret JSON-escaped', JSON.stringify(secret).slice(1, -1)],
    ['the secret inspect-escaped', secret.replace(/\\/g, '\\\\')],
    ['the secret inspect-escaped', secret.replace(/\\/g, '\\\\').replace(/'/g, "\\'")],
  ];
  return forms.filter(([, form], i) => forms.findIndex(([, other]) => other === form) === i);
}

/** Where `secret` (in any printed form, or percent-encoded in any way) appears in `error`. */
function leaksOf(error: OperationsError, secret: string): string[] {
  const found: string[] = [];
  const forms = printedForms(secret);
  for (const [place, text] of printedPlaces(error)) {
    for (const [form, value] of forms) if (text.includes(value)) found.push(`${form} in ${place}`);
    const decoded = percentDecode(text);
    if (decoded !== text && !found.some((f) => f.endsWith(` in ${place}`))) {
      for (const [form, value] of forms) {
        if (decoded.includes(value)) found.push(`${form}, percent-encoded in some way, in ${place}`);
      }
    }
  }
  return [...new Set(found)];
}

/** A failure report: the secret, every place it leaked to, and the message for context. */
function report(error: OperationsError, secret: string, leaks: readonly string[]): string {
  return `secret ${JSON.stringify(secret)} leaked: ${leaks.join('; ')}\nmessage: ${error.message}`;
}

function expectNoLeak(error: OperationsError, secret: string): void {
  const leaks = leaksOf(error, secret);
  if (leaks.length > 0) throw new Error(report(error, secret, leaks));
}

// ---------------------------------------------------------------------------------------------
// One call.

async function failedCall(transport: Transport, metadata: Metadata): Promise<OperationsError> {
  const client = new OperationsClient({ transport, retry: { maxAttempts: 1 } });
  try {
    await client.getOperation(NAME, { metadata, retry: false, timeoutMs: 5_000 });
  } catch (error) {
    if (!(error instanceof OperationsError)) {
      throw new Error(`rejected with ${String(error)}, not an OperationsError`, { cause: error });
    }
    return error;
  } finally {
    await client.close();
  }
  throw new Error('the call succeeded against an echo server that always fails');
}

/** The error a gRPC call gets, having sent `secret` the `send` way. */
function grpcCall(server: EchoServer, send: SendMode, secret: string, mode: GrpcMode): Promise<OperationsError> {
  const { options, metadata } = credentialOf(send, secret);
  const transport = createGrpcTransport({ address: `127.0.0.1:${server.port}`, insecure: true, ...options });
  return failedCall(transport, { ...metadata, [MODE_HEADER]: mode });
}

/** The error a REST call gets, having sent `secret` the `send` way. */
function restCall(server: EchoServer, send: SendMode, secret: string, mode: RestMode): Promise<OperationsError> {
  const { options, metadata } = credentialOf(send, secret);
  const transport = createRestTransport({ baseUrl: `http://127.0.0.1:${server.port}`, ...options });
  return failedCall(transport, { ...metadata, [MODE_HEADER]: mode });
}

/** The server heard exactly `secret`: the echo really carried it (else the property would prove nothing). */
function expectHeard(server: EchoServer, secret: string): void {
  expect(server.heard.at(-1)?.secret).toBe(secret);
}

// ---------------------------------------------------------------------------------------------

let grpcServer: EchoServer;
let restServer: EchoServer;

beforeAll(async () => {
  [grpcServer, restServer] = await Promise.all([startGrpcEchoServer(), startRestEchoServer()]);
});

afterAll(async () => {
  await Promise.all([grpcServer?.close(), restServer?.close()]);
});

describe('over gRPC, a server echoing the credential in its status, details and trailers', () => {
  it.each(SEND_MODES)('never gets a secret sent as %s into the error', async (send) => {
    await fc.assert(
      fc.asyncProperty(
        secretArb,
        fc.constantFrom<GrpcMode>('trailers-only', 'headers-trailers', 'component-encoded'),
        async (secret, mode) => {
          const error = await grpcCall(grpcServer, send, secret, mode);
          expectHeard(grpcServer, secret);
          expect(error.code).toBe(Code.FAILED_PRECONDITION);
          expect(error.local).toBe(false);
          expectNoLeak(error, secret);
          // Still useful: the reason and every detail are there, their secrets gone.
          expect(error.findDetail('google.rpc.ErrorInfo')?.reason).toBe(REASON);
          expect(error.findDetail('google.rpc.LocalizedMessage')?.locale).toBe('en');
          expect(error.details).toHaveLength(6);
          expect(error.rawMessage).toContain('refused');
        },
      ),
      { numRuns: RUNS },
    );
  });
});

describe('over REST, a server echoing the credential', () => {
  it.each(SEND_MODES)('in a Google JSON error: never gets a secret sent as %s into it', async (send) => {
    await fc.assert(
      fc.asyncProperty(secretArb, async (secret) => {
        const error = await restCall(restServer, send, secret, 'json');
        expectHeard(restServer, secret);
        expect(error.code).toBe(Code.FAILED_PRECONDITION);
        expect(error.local).toBe(false);
        expectNoLeak(error, secret);
        expect(error.findDetail('google.rpc.ErrorInfo')?.reason).toBe(REASON);
        expect(error.findDetail('google.rpc.LocalizedMessage')?.locale).toBe('en');
        expect(error.details).toHaveLength(6);
        expect(error.rawMessage).toContain('refused');
      }),
      { numRuns: RUNS },
    );
  });

  it.each(SEND_MODES)('in a text/plain 500: never gets a secret sent as %s into the error', async (send) => {
    await fc.assert(
      fc.asyncProperty(secretArb, async (secret) => {
        const error = await restCall(restServer, send, secret, 'text');
        expectHeard(restServer, secret);
        expect(error.code).toBe(Code.INTERNAL);
        expect(error.local).toBe(false);
        expectNoLeak(error, secret);
        expect(error.rawMessage).toContain('HTTP 500');
        expect(error.rawMessage).toContain('was refused');
      }),
      { numRuns: RUNS },
    );
  });
});

// The cases reported leaking before redaction by value: a key that isn't shaped like `AIza...`
// and a token echoed without its `Bearer ` prefix (no pattern catches either).
const PLAIN_KEY = 'k3y-0f-the-caller.not~AIza';
const PLAIN_TOKEN = 'opaque-session/token+value=42';

describe.each([
  { kind: 'grpc', call: (send: SendMode, secret: string) => grpcCall(grpcServer, send, secret, 'bare') },
  { kind: 'rest', call: (send: SendMode, secret: string) => restCall(restServer, send, secret, 'bare') },
])('over $kind, a server echoing the bare credential', ({ kind, call }) => {
  it.each<[SendMode, string]>([
    ['apiKey', PLAIN_KEY],
    ['metadata-api-key', PLAIN_KEY],
    ['auth', PLAIN_TOKEN],
    ['metadata-authorization', PLAIN_TOKEN],
  ])('keeps it out of the error (sent as %s)', async (send, secret) => {
    const error = await call(send, secret);
    expectHeard(kind === 'grpc' ? grpcServer : restServer, secret);
    expect(error.code).toBe(Code.FAILED_PRECONDITION);
    expect(leaksOf(error, secret)).toEqual([]);
    expect(error.findDetail('google.rpc.ErrorInfo')?.reason).toBe(REASON);
    expect(error.rawMessage).toContain('[redacted]');
  });
});

// The names a server chooses are text too: map keys, JSON field names, trailer names.
describe.each([
  { kind: 'grpc', call: (send: SendMode, secret: string) => grpcCall(grpcServer, send, secret, 'names') },
  { kind: 'rest', call: (send: SendMode, secret: string) => restCall(restServer, send, secret, 'names') },
])('over $kind, a server echoing the credential as a name', ({ call }) => {
  it('never gets it into the error', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...SEND_MODES), secretArb, async (send, secret) => {
        const error = await call(send, secret);
        expect(error.code).toBe(Code.FAILED_PRECONDITION);
        expectNoLeak(error, secret);
        expect(error.findDetail('google.rpc.ErrorInfo')?.reason).toBe(REASON);
      }),
      { numRuns: RUNS },
    );
  });
});

/** The longest run (at least `min` characters) of `secret` in each place of `error`. */
function fragmentsOf(error: OperationsError, secret: string, min = 8): string[] {
  const found: string[] = [];
  for (const [place, text] of printedPlaces(error)) {
    let longest = '';
    for (let i = 0; i < secret.length; i++) {
      for (let j = i + Math.max(min, longest.length + 1); j <= secret.length; j++) {
        if (!text.includes(secret.slice(i, j))) break;
        longest = secret.slice(i, j);
      }
    }
    if (longest !== '') found.push(`${JSON.stringify(longest)} in ${place}`);
  }
  return found;
}

// A pattern (`Bearer x`, `key=x`) that matches only the head of a secret must not leave its tail.
describe.each([
  { kind: 'grpc', call: (send: SendMode, secret: string) => grpcCall(grpcServer, send, secret, 'trailers-only') },
  { kind: 'rest', call: (send: SendMode, secret: string) => restCall(restServer, send, secret, 'json') },
])('over $kind, a secret a pattern matches in part', ({ call }) => {
  it.each<[SendMode, string]>([
    ['auth', 'abc!defghijklmnop'],
    ['metadata-authorization', 'tok:en@0123456789abcdef'],
    ['apiKey', 'key=abc#defghijkl'],
  ])('leaves no fragment of it (sent as %s: %s)', async (send, secret) => {
    const error = await call(send, secret);
    expect(error.code).toBe(Code.FAILED_PRECONDITION);
    expect(fragmentsOf(error, secret)).toEqual([]);
  });
});

// The same secret percent-encoded another way: it decodes to the secret all the same.
const ENCODED_SECRET = 's3cr3t!to(k)en*/path"quote';

describe.each([
  {
    kind: 'grpc',
    call: (secret: string, encoder: EncoderName) => grpcCall(grpcServer, 'apiKey', secret, `encoded-${encoder}`),
  },
  {
    kind: 'rest',
    call: (secret: string, encoder: EncoderName) => restCall(restServer, 'apiKey', secret, `encoded-${encoder}`),
  },
])('over $kind, a server echoing the credential percent-encoded', ({ call }) => {
  it.each(Object.keys(ENCODERS) as EncoderName[])('by %s never gets it into the error', async (encoder) => {
    const error = await call(ENCODED_SECRET, encoder);
    expect(error.code).toBe(Code.FAILED_PRECONDITION);
    expect(leaksOf(error, ENCODED_SECRET)).toEqual([]);
    expect(error.findDetail('google.rpc.ErrorInfo')?.reason).toBe(REASON);
  });
});

// grpc-js decodes grpc-message with decodeURI, which leaves `/ ? # : @ & = + $ , ;` encoded:
// a message encoded with encodeURIComponent (as test/helpers/fault-server.ts does) comes out
// half decoded, neither the secret nor its encodeURIComponent form.
describe('over grpc, a status message encoded with encodeURIComponent', () => {
  it('never gets the credential into the error', async () => {
    const error = await grpcCall(grpcServer, 'apiKey', ENCODED_SECRET, 'component-encoded');
    expect(error.code).toBe(Code.FAILED_PRECONDITION);
    expect(leaksOf(error, ENCODED_SECRET)).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// An operation's own error, deep nesting, encodings, short values (RELIABILITY 34, 35).

type Form = 'raw' | 'base64' | 'base64url' | 'hex' | 'HEX' | 'percent';
const FORMS: readonly Form[] = ['raw', 'base64', 'base64url', 'hex', 'HEX', 'percent'];
function formOf(secret: string, form: Form): string {
  const bytes = Buffer.from(secret);
  switch (form) {
    case 'raw':
      return secret;
    case 'base64':
      return bytes.toString('base64');
    case 'base64url':
      return bytes.toString('base64url');
    case 'hex':
      return bytes.toString('hex');
    case 'HEX':
      return bytes.toString('hex').toUpperCase();
    case 'percent':
      return encodeURIComponent(secret);
  }
}

describe.each(['grpc', 'rest'] as const)("over %s, an operation's own error echoing the credential", (kind) => {
  let emulator: Emulator;
  let seq = 0;
  beforeAll(async () => {
    emulator = await startEmulator();
  });
  afterAll(() => emulator.close());

  it('never shows it, in any form, in the operation or the error made of it', async () => {
    await fc.assert(
      fc.asyncProperty(
        secretArb,
        fc.constantFrom(...SEND_MODES),
        fc.constantFrom(...FORMS),
        async (secret, send, form) => {
          const name = `projects/echo/operations/op-${++seq}`;
          const echoed = formOf(secret, form);
          const info = ErrorInfo.encode({
            reason: REASON,
            domain: 'example.com',
            metadata: { heard: echoed },
          }).finish();
          emulator.createOperation({
            name,
            runForMs: 0,
            error: {
              code: Code.INTERNAL,
              message: `failed for ${echoed}`,
              details: [{ typeUrl: 'type.googleapis.com/google.rpc.ErrorInfo', value: Buffer.from(info) }],
            },
          });
          const { options, metadata } = credentialOf(send, secret);
          const transport =
            kind === 'grpc'
              ? createGrpcTransport({ address: emulator.grpcAddress, insecure: true, ...options })
              : createRestTransport({ baseUrl: emulator.httpUrl, ...options });
          const client = new OperationsClient({ transport });
          try {
            const operation = await client.getOperation(name, { metadata });
            const printed = `${stringify(operation)} ${util.inspect(operation, { depth: null })}`;
            const error = new OperationsError(operation.error?.code ?? 0, operation.error?.message ?? '');
            expect(operation.error?.message).toMatch(/^failed for /);
            for (const value of FORMS.map((f) => formOf(secret, f))) {
              if (printed.includes(value)) throw new Error(`${form} form of ${JSON.stringify(secret)} in ${printed}`);
            }
            expectNoLeak(error, secret);
          } finally {
            await client.close();
          }
        },
      ),
      { numRuns: RUNS },
    );
  });
});

describe('over rest, a call error detail nesting the credential deeper than redaction walks', () => {
  it('drops what is too deep instead of keeping it', async () => {
    const secret = 'deep-secret-token-0123456789';
    const server = http.createServer((req, res) => {
      let nested: unknown = { heard: `Bearer ${secret}` };
      for (let i = 0; i < 12; i++) nested = { level: nested };
      res.writeHead(400, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          error: {
            code: 400,
            status: 'INVALID_ARGUMENT',
            message: 'bad',
            details: [{ '@type': 'type.googleapis.com/example.Unknown', nested }],
          },
        }),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const error = await failedCall(
        createRestTransport({ baseUrl: `http://127.0.0.1:${port}`, auth: bearer(secret) }),
        {},
      );
      expect(error.code).toBe(Code.INVALID_ARGUMENT);
      expect(error.details).toHaveLength(1);
      expectNoLeak(error, secret);
    } finally {
      server.close();
    }
  });
});

describe.each(['grpc', 'rest'] as const)('over %s, values too short to be credentials', (kind) => {
  it('leave messages readable: a one-letter token and short cookie values are not searched for', async () => {
    const emulator = await startEmulator();
    const transport =
      kind === 'grpc'
        ? createGrpcTransport({ address: emulator.grpcAddress, insecure: true, auth: bearer('T') })
        : createRestTransport({ baseUrl: emulator.httpUrl, auth: bearer('T') });
    const client = new OperationsClient({ transport });
    try {
      const name = 'projects/demo/operations/TEST-Thing';
      const error = await client.getOperation(name, { metadata: { cookie: 'lang=en; n=1' } }).then(
        () => undefined,
        (e: unknown) => e as OperationsError,
      );
      expect(error?.code).toBe(Code.NOT_FOUND);
      expect(error?.message).toContain(`operation ${name} not found`);
    } finally {
      await client.close();
      await emulator.close();
    }
  });
});
