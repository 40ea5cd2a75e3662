/**
 * Raw fault servers on 127.0.0.1 port 0: what a well-behaved server never does, on the wire.
 *
 * - {@link startGrpcFaultServer}: plaintext HTTP/2 (h2c) over node:http2, speaking just enough
 *   gRPC to answer google.longrunning.Operations, or to break it in one of the {@link GrpcFault} ways.
 * - {@link startRestFaultServer}: raw HTTP/1.1 over node:net (every byte chosen here), answering
 *   the REST routes, or breaking them in one of the {@link RestFault} ways.
 *
 * A test picks the behaviour with `behave(...)` (a sequence: each request takes the next one,
 * the last one repeats), or per request with the {@link FAULT_HEADER} metadata entry / header,
 * which wins. Each server counts the requests (attempts) it received, and `close()` ends every
 * session and socket, so jest exits without open handles.
 */
import * as http2 from 'node:http2';
import * as net from 'node:net';
import { Operation } from '../../generated/google/longrunning/operations';
import { Code, OperationsError } from '../../src';
import { trackConnections } from './track';
import { rejectionOf } from './transports';

/** The metadata entry (gRPC) or header (REST) that picks one request's behaviour. */
export const FAULT_HEADER = 'x-fault';

/** What the gRPC fault server does with a request. */
export type GrpcFault =
  /** A valid answer: the Operation (GetOperation) or Empty (other methods), grpc-status 0. */
  | 'ok'
  /** RST_STREAM(REFUSED_STREAM) before any response headers. */
  | 'rst-refused'
  /** RST_STREAM(CANCEL) before any response headers. */
  | 'rst-cancel'
  /** Response headers, then RST_STREAM(NO_ERROR): no message, no trailers. */
  | 'rst-no-error'
  /**
   * GOAWAY(NO_ERROR) whose last-stream-id is this stream (it is being processed), then, once a
   * PING's ack shows the client read it, the TCP connection closes without an answer.
   */
  | 'goaway'
  /** GOAWAY(NO_ERROR) with last-stream-id 0 (no stream was processed: a raw frame), then the connection closes. */
  | 'goaway-refused'
  /** Headers, a message prefix announcing 100 bytes, only 10 bytes, then OK trailers. */
  | 'truncated-ok-trailers'
  /** Headers, a message prefix announcing 100 bytes, only 10 bytes, then END_STREAM without trailers. */
  | 'truncated-end'
  /** Headers, a message of bytes ff ff ff (not a protobuf), grpc-status 0. */
  | 'corrupt'
  /** Trailers-only answer with grpc-status 99 (outside google.rpc.Code). */
  | 'status-99'
  /** Trailers-only answer with grpc-status `abc`. */
  | 'status-nan'
  /** A valid Operation of just over 4 MiB (grpc-js' default receive limit), grpc-status 0. */
  | 'oversize'
  /** Accepts the stream and never answers. */
  | 'silent'
  /**
   * Headers and half a valid message, then, once a PING's ack shows the client read them, the TCP
   * connection closes (FIN), no GOAWAY.
   */
  | 'drop-mid-response';

/** What the REST fault server does with a request. */
export type RestFault =
  /** A valid answer: the Operation JSON (GET) or `{}` (POST), keep-alive. */
  | 'ok'
  /** Headers (with the full content-length) and half the JSON body, then the socket is closed (FIN). */
  | 'drop-mid-body'
  /** Headers and half the JSON body, then the socket is reset (TCP RST). */
  | 'reset-mid-body'
  /** The whole 200 answer, then the socket is reset (TCP RST). */
  | 'ok-then-reset'
  /** Reads the request and never writes a byte. */
  | 'silent';

/** One request as the server saw it. */
export interface SeenRequest<F extends string> {
  /** The gRPC method path (`/google.longrunning.Operations/GetOperation`) or the HTTP method and target. */
  readonly path: string;
  /** The behaviour the request got. */
  readonly fault: F;
}

export interface FaultServer<F extends string> {
  /** gRPC: `127.0.0.1:PORT`; REST: `http://127.0.0.1:PORT`. */
  readonly address: string;
  readonly port: number;
  /** The requests received so far, in order. */
  readonly requests: readonly SeenRequest<F>[];
  /** How many requests (attempts) arrived so far. */
  readonly attempts: number;
  /** TCP connections accepted so far. */
  readonly connections: number;
  /** The behaviour of the next requests: each takes the next one, the last one repeats. Resets the counts. */
  behave(...faults: [F, ...F[]]): void;
  /** Ends every session and socket, then stops listening. Idempotent. */
  close(): Promise<void>;
}

/** An Operation's name, as answered by the `ok` behaviours and the half messages. */
export const FAULT_OPERATION_NAME = 'projects/p/operations/fault';

const GRPC_FAULTS: ReadonlySet<string> = new Set<GrpcFault>([
  'ok',
  'rst-refused',
  'rst-cancel',
  'rst-no-error',
  'goaway',
  'goaway-refused',
  'truncated-ok-trailers',
  'truncated-end',
  'corrupt',
  'status-99',
  'status-nan',
  'oversize',
  'silent',
  'drop-mid-response',
]);

const REST_FAULTS: ReadonlySet<string> = new Set<RestFault>([
  'ok',
  'drop-mid-body',
  'reset-mid-body',
  'ok-then-reset',
  'silent',
]);

/** Just over grpc-js' default receive limit (4 MiB), once framed as an Operation. */
const OVERSIZE_NAME_BYTES = 4 * 1024 * 1024;

/** A gRPC length-prefixed message: flag 0 (not compressed), 4 bytes big-endian length, the bytes. */
export function grpcFrame(message: Uint8Array, announcedLength = message.length): Buffer {
  const prefix = Buffer.alloc(5);
  prefix.writeUInt8(0, 0);
  prefix.writeUInt32BE(announcedLength, 1);
  return Buffer.concat([prefix, message]);
}

function operationBytes(name = FAULT_OPERATION_NAME): Buffer {
  return Buffer.from(Operation.encode({ name, done: false }).finish());
}

/** The request sequence of a server: `behave` plans, each request takes the next step. */
class Plan<F extends string> {
  private steps: F[];
  readonly requests: SeenRequest<F>[] = [];
  connections = 0;

  constructor(
    private readonly known: ReadonlySet<string>,
    first: F,
  ) {
    this.steps = [first];
  }

  behave(faults: F[]): void {
    this.steps = [...faults];
    this.requests.length = 0;
    this.connections = 0;
  }

  /** The behaviour of a request: its header's, else the plan's next step. */
  next(path: string, header: string | string[] | undefined): F {
    const asked = Array.isArray(header) ? header[0] : header;
    let fault: F;
    if (asked !== undefined && this.known.has(asked)) fault = asked as F;
    else fault = (this.steps.length > 1 ? this.steps.shift() : this.steps[0]) as F;
    this.requests.push({ path, fault });
    return fault;
  }
}

/** Starts the gRPC (h2c) fault server. */
export async function startGrpcFaultServer(initial: GrpcFault = 'ok'): Promise<FaultServer<GrpcFault>> {
  const plan = new Plan<GrpcFault>(GRPC_FAULTS, initial);
  const server = http2.createServer();
  const tracked = trackConnections(server);
  const { sockets } = tracked;
  server.on('connection', () => plan.connections++);
  server.on('stream', (stream, headers) => {
    stream.on('error', () => undefined);
    const path = String(headers[':path'] ?? '');
    const fault = plan.next(path, headers[FAULT_HEADER]);
    // Read (and drop) the request message, so flow control never stalls the client.
    stream.resume();
    answerGrpc(stream, path, fault, (session) => socketOf(session, sockets));
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    address: `127.0.0.1:${port}`,
    port,
    get requests() {
      return plan.requests;
    },
    get attempts() {
      return plan.requests.length;
    },
    get connections() {
      return plan.connections;
    },
    behave: (...faults) => plan.behave(faults),
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        tracked.destroyAll();
      })),
  };
}

const GRPC_HEADERS = { ':status': 200, 'content-type': 'application/grpc' } as const;

function answerGrpc(
  stream: http2.ServerHttp2Stream,
  path: string,
  fault: GrpcFault,
  socketOf: (session: http2.Http2Session) => net.Socket | undefined,
): void {
  const drop = (session: http2.Http2Session): void => void socketOf(session)?.destroy();
  const isGet = path.endsWith('/GetOperation');
  switch (fault) {
    case 'ok': {
      stream.respond(GRPC_HEADERS, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0', 'grpc-message': '' }));
      stream.end(grpcFrame(isGet ? operationBytes() : new Uint8Array(0)));
      return;
    }
    case 'rst-refused':
      stream.close(http2.constants.NGHTTP2_REFUSED_STREAM);
      return;
    case 'rst-cancel':
      stream.close(http2.constants.NGHTTP2_CANCEL);
      return;
    case 'rst-no-error':
      stream.respond(GRPC_HEADERS);
      stream.close(http2.constants.NGHTTP2_NO_ERROR);
      return;
    case 'goaway': {
      const session = stream.session;
      if (!session) return;
      session.goaway(http2.constants.NGHTTP2_NO_ERROR, stream.id);
      // The PING's ack comes after the client read the GOAWAY: then drop the connection.
      session.ping(() => drop(session));
      return;
    }
    case 'goaway-refused': {
      const session = stream.session;
      if (!session) return;
      // node:http2 turns a last-stream-id of 0 into "the last one processed": write the frame itself.
      const socket = socketOf(session);
      socket?.write(GOAWAY_NOTHING_PROCESSED, () => socket.destroy());
      return;
    }
    case 'truncated-ok-trailers':
    case 'truncated-end': {
      const frame = grpcFrame(operationBytes().subarray(0, 10), 100);
      if (fault === 'truncated-end') {
        stream.respond(GRPC_HEADERS);
        stream.end(frame);
        return;
      }
      stream.respond(GRPC_HEADERS, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0', 'grpc-message': '' }));
      stream.end(frame);
      return;
    }
    case 'corrupt': {
      stream.respond(GRPC_HEADERS, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0', 'grpc-message': '' }));
      stream.end(grpcFrame(Buffer.from([0xff, 0xff, 0xff])));
      return;
    }
    case 'status-99':
    case 'status-nan':
      stream.respond(
        {
          ...GRPC_HEADERS,
          'grpc-status': fault === 'status-99' ? '99' : 'abc',
          'grpc-message': encodeURIComponent(`status ${fault}`),
        },
        { endStream: true },
      );
      return;
    case 'oversize': {
      stream.respond(GRPC_HEADERS, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0', 'grpc-message': '' }));
      // The client resets the stream once it reads the prefix: the rest of the write is dropped.
      stream.end(grpcFrame(operationBytes('x'.repeat(OVERSIZE_NAME_BYTES))));
      return;
    }
    case 'silent':
      return;
    case 'drop-mid-response': {
      const session = stream.session;
      if (!session) return;
      const message = operationBytes();
      stream.respond(GRPC_HEADERS);
      stream.write(grpcFrame(message).subarray(0, 5 + Math.floor(message.length / 2)));
      // The PING's ack comes after the client read the headers and the half message: then drop.
      session.ping(() => drop(session));
      return;
    }
  }
}

/** GOAWAY: length 8, type 0x7, flags 0, stream 0; last-stream-id 0, error code NO_ERROR. */
const GOAWAY_NOTHING_PROCESSED = Buffer.from([0, 0, 8, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);

/** The TCP socket under an HTTP/2 session (the session's own `socket` is a proxy that can't write or close). */
function socketOf(session: http2.Http2Session, sockets: ReadonlySet<net.Socket>): net.Socket | undefined {
  const port = session.socket?.remotePort;
  for (const socket of sockets) if (socket.remotePort === port) return socket;
  return undefined;
}

/** Starts the REST (raw HTTP/1.1) fault server. */
export async function startRestFaultServer(initial: RestFault = 'ok'): Promise<FaultServer<RestFault>> {
  const plan = new Plan<RestFault>(REST_FAULTS, initial);
  const server = net.createServer((socket) => {
    plan.connections++;
    let buffered = Buffer.alloc(0);
    let silent = false;
    socket.on('data', (chunk: Buffer) => {
      if (silent) return;
      buffered = Buffer.concat([buffered, chunk]);
      // Requests one after another on a keep-alive connection (undici doesn't pipeline by default).
      for (;;) {
        const request = takeRequest(buffered);
        if (!request) return;
        buffered = buffered.subarray(request.size);
        const fault = plan.next(`${request.method} ${request.target}`, request.headers[FAULT_HEADER]);
        if (fault === 'silent') {
          silent = true;
          return;
        }
        answerRest(socket, request.method, fault);
        if (fault !== 'ok') return;
      }
    });
  });
  const tracked = trackConnections(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    address: `http://127.0.0.1:${port}`,
    port,
    get requests() {
      return plan.requests;
    },
    get attempts() {
      return plan.requests.length;
    },
    get connections() {
      return plan.connections;
    },
    behave: (...faults) => plan.behave(faults),
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        tracked.destroyAll();
      })),
  };
}

interface RawRequest {
  readonly method: string;
  readonly target: string;
  readonly headers: Readonly<Record<string, string>>;
  /** Bytes of the request, head and body. */
  readonly size: number;
}

/** The first whole request in `bytes`, or undefined until it has all arrived. */
function takeRequest(bytes: Buffer): RawRequest | undefined {
  const end = bytes.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  const [line = '', ...fields] = bytes.subarray(0, end).toString('latin1').split('\r\n');
  const [method = '', target = ''] = line.split(' ');
  const headers: Record<string, string> = {};
  for (const field of fields) {
    const colon = field.indexOf(':');
    if (colon > 0) headers[field.slice(0, colon).trim().toLowerCase()] = field.slice(colon + 1).trim();
  }
  const size = end + 4 + Number(headers['content-length'] ?? 0);
  return bytes.length < size ? undefined : { method, target, headers, size };
}

function answerRest(socket: net.Socket, method: string, fault: RestFault): void {
  const body = Buffer.from(method === 'GET' ? JSON.stringify({ name: FAULT_OPERATION_NAME, done: false }) : '{}');
  const head = Buffer.from(
    'HTTP/1.1 200 OK\r\n' +
      'content-type: application/json; charset=utf-8\r\n' +
      `content-length: ${body.length}\r\n` +
      'connection: keep-alive\r\n\r\n',
    'latin1',
  );
  switch (fault) {
    case 'ok':
      socket.write(Buffer.concat([head, body]));
      return;
    case 'drop-mid-body':
    case 'reset-mid-body':
      socket.write(Buffer.concat([head, body.subarray(0, Math.floor(body.length / 2))]), () =>
        fault === 'drop-mid-body' ? socket.destroy() : socket.resetAndDestroy(),
      );
      return;
    case 'ok-then-reset':
      socket.write(Buffer.concat([head, body]), () => socket.resetAndDestroy());
      return;
    case 'silent':
      return;
  }
}

/**
 * What is wrong with an error message a caller would see, for `expect(...).toEqual([])`:
 * control characters, HTML, more than `maxChars` characters.
 */
export function messageProblems(message: string, maxChars = 300): string[] {
  const problems: string[] = [];
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f-\u009f]/.test(message)) problems.push(`control characters in ${JSON.stringify(message)}`);
  if (/<\/?[a-z!][^>]*>/i.test(message)) problems.push(`HTML in ${JSON.stringify(message)}`);
  if (message.length > maxChars) problems.push(`${message.length} characters (over ${maxChars})`);
  return problems;
}

/** A call's error, checked for what every transport failure must be: an OperationsError from the server, clean. */
export async function failure(promise: Promise<unknown>): Promise<OperationsError> {
  const error = await rejectionOf(promise);
  expect(error).toBeInstanceOf(OperationsError);
  expect(error.local).toBe(false);
  expect(error.aborted).toBe(false);
  expect(error.message).toBe(`${Code[error.code]}: ${error.rawMessage}`);
  expect(messageProblems(error.message)).toEqual([]);
  return error;
}

/** The name the fault tests call with (the fault servers answer any). */
export const NAME = 'projects/p/operations/o';
/** The default policy (5 attempts, UNAVAILABLE only) with backoffs of a few ms. */
export const FAST_RETRY = { initialBackoffMs: 1, maxBackoffMs: 5 };
/** The methods every fault is tried with. */
export const METHODS = ['getOperation', 'cancelOperation'] as const;
export type Method = (typeof METHODS)[number];
