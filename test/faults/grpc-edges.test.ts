/**
 * What @grpc/grpc-js itself does (upstream, no longrun in the path) at three edges longrun's gRPC
 * transport has to work around. Each test pins today's behaviour of the grpc-js and Node versions
 * named in its title, so that it fails the day grpc-js (or Node's HTTP/2) changes it; then the
 * workaround in src/transports/grpc.ts can be revisited.
 *
 * 1. A connection lost mid-call: the exact status grpc-js gives for each way a server can cut a call.
 * 2. A header field over nghttp2's 64 KiB per-field HPACK limit: the client's own nghttp2 ends the
 *    session (GOAWAY COMPRESSION_ERROR) but Node surfaces nothing, so grpc-js waits for the deadline
 *    and the channel stays on that dead connection until a keepalive ping times out.
 * 3. `client.close()` while a connection attempt is pending (TCP accepted, no TLS / HTTP/2 answer):
 *    grpc-js never shuts down its connector, so the socket stays open until the server closes it.
 *
 * Servers listen on 127.0.0.1 port 0 and are closed in afterAll; every call has a short deadline.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http2 from 'node:http2';
import * as net from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { Code, OperationsClient, createGrpcTransport } from '../../src';
import { ClosableCredentials } from '../../src/transports/grpc-credentials';
import { makeTestPki, type TestPki } from '../helpers/tls';
import { trackConnections } from '../helpers/track';
import { rejectionOf } from '../helpers/transports';
import { OVERSIZED_HEADER_FAILS_NEXT_CALL, OVERSIZED_HEADER_HANGS } from '../helpers/upstream';

const GRPC_JS: string = (require('@grpc/grpc-js/package.json') as { version: string }).version;
const ON = `grpc-js ${GRPC_JS}, Node ${process.version}`;

const GRPC_HEADERS = { ':status': 200, 'content-type': 'application/grpc' } as const;
const METHOD = '/google.longrunning.Operations/GetOperation';

/** What a call ended with, and after how long. */
interface Outcome {
  readonly code: string;
  readonly details: string;
  readonly ms: number;
  readonly error: grpc.ServiceError | null;
}

/** One unary call with raw bytes; never rejects. */
function call(client: grpc.Client, deadlineMs: number): Promise<Outcome> {
  const start = Date.now();
  return new Promise((resolve) => {
    client.makeUnaryRequest(
      METHOD,
      (bytes: Buffer) => bytes,
      (bytes: Buffer) => bytes,
      Buffer.alloc(3),
      new grpc.Metadata(),
      { deadline: Date.now() + deadlineMs },
      (error) =>
        resolve({
          code: error ? grpc.status[error.code] : 'OK',
          details: error?.details ?? '',
          ms: Date.now() - start,
          error: error ?? null,
        }),
    );
  });
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const openFds = (): number => fs.readdirSync('/proc/self/fd').length;
/** Lets the sockets of the previous test finish closing, so that they don't count in this one. */
const settle = (): Promise<void> => sleep(300);

/** Everything a test opened, closed in afterAll (and after each test, when it can). */
const clients = new Set<grpc.Client>();
function newClient(
  address: string,
  credentials = grpc.credentials.createInsecure(),
  options: grpc.ChannelOptions = {},
) {
  const client = new grpc.Client(address, credentials, options);
  clients.add(client);
  return client;
}

/** An h2c server answering each stream with `answer`, tracking its sockets so they can be cut. */
interface H2Server {
  readonly address: string;
  answer: (stream: http2.ServerHttp2Stream, socket: net.Socket) => void;
  /** GOAWAY codes the server received from clients. */
  readonly goaways: number[];
  close(): Promise<void>;
}
async function startH2Server(): Promise<H2Server> {
  // Node's server refuses to send a header block over 64 KiB unless told otherwise (grpc-js' own server does the same).
  const server = http2.createServer({ maxSendHeaderBlockLength: Number.MAX_SAFE_INTEGER });
  const tracked = trackConnections(server);
  const state: H2Server = {
    address: '',
    answer: () => undefined,
    goaways: [],
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        tracked.destroyAll();
      }),
  };
  server.on('session', (session) => session.on('goaway', (code: number) => state.goaways.push(code)));
  server.on('stream', (stream) => {
    stream.on('error', () => undefined);
    stream.resume();
    const port = stream.session?.socket?.remotePort;
    const socket = [...tracked.sockets].find((candidate) => candidate.remotePort === port);
    if (socket) state.answer(stream, socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return Object.assign(state, { address: `127.0.0.1:${(server.address() as net.AddressInfo).port}` });
}

/** A TCP server that accepts and reads, and never writes a byte. */
interface SilentServer {
  readonly address: string;
  readonly open: () => number;
  close(): Promise<void>;
}
async function startSilentServer(): Promise<SilentServer> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    socket.resume(); // reads, so it sees the client's FIN or RST
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    address: `127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    open: () => sockets.size,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}

afterAll(() => {
  for (const client of clients) client.close();
  clients.clear();
});

describe(`1. connection lost mid-call: the status grpc-js reports (${ON})`, () => {
  let server: H2Server;
  beforeAll(async () => {
    server = await startH2Server();
  });
  afterAll(() => server.close());

  const { constants } = http2;
  type Fault = (stream: http2.ServerHttp2Stream, socket: net.Socket) => void;
  const afterHeaders =
    (then: Fault): Fault =>
    (stream, socket) => {
      stream.respond(GRPC_HEADERS);
      // The PING's ack comes once the client has read the headers.
      stream.session?.ping(() => then(stream, socket));
    };

  // The table of the report. Since grpc-js 1.12 (subchannel-call.js onDisconnect / connectionDropped) a lost
  // connection is UNAVAILABLE; grpc-js 1.10-1.11 said CANCELLED "Call cancelled" for the same faults (Node closes
  // the streams of a closed socket with RST_STREAM CANCEL). "Received RST_STREAM with code 0" is never a lost
  // connection here: it is the peer ending the stream without trailers (RST_STREAM NO_ERROR or END_STREAM).
  interface Case {
    readonly name: string;
    readonly fault: Fault;
    readonly code: string;
    readonly details: string;
  }
  const cases: Case[] = [
    {
      name: 'socket.destroy() before answering',
      fault: (_stream, socket) => socket.destroy(),
      code: 'UNAVAILABLE',
      details: 'Connection dropped',
    },
    {
      name: 'socket.destroy() after response headers',
      fault: afterHeaders((_stream, socket) => socket.destroy()),
      code: 'UNAVAILABLE',
      details: 'Connection dropped',
    },
    {
      name: 'session.destroy()',
      fault: (stream) => stream.session?.destroy(),
      code: 'UNAVAILABLE',
      details: 'Connection dropped',
    },
    {
      name: 'GOAWAY(NO_ERROR, last-stream-id = this stream), then socket.destroy()',
      fault: (stream, socket) => {
        stream.session?.goaway(constants.NGHTTP2_NO_ERROR, stream.id);
        stream.session?.ping(() => socket.destroy());
      },
      code: 'UNAVAILABLE',
      details: 'Connection dropped',
    },
    {
      name: 'GOAWAY(INTERNAL_ERROR) and close: session.destroy(error, 2)',
      fault: (stream) => stream.session?.destroy(new Error('gone'), constants.NGHTTP2_INTERNAL_ERROR),
      code: 'INTERNAL',
      details: 'Received RST_STREAM with code 2 triggered by internal client error: Session closed with error code 2',
    },
    {
      name: 'GOAWAY(CANCEL) and close: session.destroy(error, 8)',
      fault: (stream) => stream.session?.destroy(new Error('gone'), constants.NGHTTP2_CANCEL),
      code: 'CANCELLED',
      details: 'Call cancelled',
    },
    {
      name: 'RST_STREAM(NO_ERROR), no headers',
      fault: (stream) => stream.close(constants.NGHTTP2_NO_ERROR),
      code: 'INTERNAL',
      details: 'Received RST_STREAM with code 0 (Call ended without gRPC status)',
    },
    {
      name: 'END_STREAM after headers, no trailers',
      fault: (stream) => {
        stream.respond(GRPC_HEADERS);
        stream.end();
      },
      code: 'INTERNAL',
      details: 'Received RST_STREAM with code 0 (Call ended without gRPC status)',
    },
    {
      name: 'RST_STREAM(INTERNAL_ERROR)',
      fault: (stream) => stream.close(constants.NGHTTP2_INTERNAL_ERROR),
      code: 'INTERNAL',
      details: 'Received RST_STREAM with code 2 (Internal server error)',
    },
    {
      name: 'RST_STREAM(REFUSED_STREAM)',
      fault: (stream) => stream.close(constants.NGHTTP2_REFUSED_STREAM),
      code: 'UNAVAILABLE',
      details: 'Stream refused by server',
    },
    {
      name: 'RST_STREAM(CANCEL)',
      fault: (stream) => stream.close(constants.NGHTTP2_CANCEL),
      code: 'CANCELLED',
      details: 'Call cancelled',
    },
  ];
  it.each(cases)(`$name: $code "$details" (${ON})`, async ({ fault, code, details }) => {
    server.answer = fault;
    const outcome = await call(newClient(server.address), 3_000);
    expect([outcome.code, outcome.details]).toEqual([code, details]);
    // The ServiceError carries nothing else: no RST_STREAM code (retrying-call.js keeps only code, details,
    // metadata), and the metadata of a status grpc-js made up is empty.
    expect(
      Object.keys(outcome.error ?? {})
        .filter((key) => key !== 'stack')
        .sort(),
    ).toEqual(['code', 'details', 'metadata']);
    expect(outcome.error?.metadata.getMap()).toEqual({});
  });

  it(`a TCP reset (socket.resetAndDestroy()) after headers: UNAVAILABLE "read ECONNRESET" (${ON})`, async () => {
    server.answer = afterHeaders((_s, socket) => socket.resetAndDestroy());
    const outcome = await call(newClient(server.address), 3_000);
    expect([outcome.code, outcome.details]).toEqual(['UNAVAILABLE', 'read ECONNRESET']);
  });
});

describe(`2. a header field over 64 KiB once HPACK-encoded (${ON})`, () => {
  let server: H2Server;
  beforeAll(async () => {
    server = await startH2Server();
  });
  afterAll(() => server.close());
  afterEach(() => {
    for (const client of clients) client.close();
    clients.clear();
  });

  /** Answers NOT_FOUND with `first` added to the trailers of the first answer, `then` to the later ones. */
  function trailers(first: Record<string, string>, then: Record<string, string> = { 'grpc-message': 'small' }) {
    let used = false;
    server.answer = (stream) => {
      const extra = used ? then : first;
      used = true;
      stream.respond(GRPC_HEADERS, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '5', ...extra }));
      stream.end(Buffer.alloc(0));
    };
  }

  // nghttp2 (Node 20 bundles 1.61) refuses a header string whose HPACK-encoded length is over 65,536 bytes
  // (NGHTTP2_HD_MAX_NV, lib/nghttp2_hd.h): 'x' is 7 bits in Huffman code, so 74,898 of them are 65,536 bytes.
  // It is a limit per field, not on the header list: 70 KiB of trailer passes.
  it(`74,898 'x' in grpc-message (65,536 bytes encoded) still arrives (${ON})`, async () => {
    trailers({ 'grpc-message': 'x'.repeat(74_898) });
    const outcome = await call(newClient(server.address), 2_000);
    expect(outcome.code).toBe('NOT_FOUND');
    expect(outcome.details).toHaveLength(74_898);
  });

  // Node 20: the client's nghttp2 ends the session with GOAWAY(COMPRESSION_ERROR = 9) and stops reading; Node 20
  // emits no 'error', 'goaway', 'close' or 'trailers', so grpc-js' listeners (subchannel-call.js, transport.js)
  // never fire. The subchannel stays READY on the dead session: a small answer can't get through either.
  // (Measured: the 2nd and 3rd calls wait for their deadlines too; the 4th reconnects, Node having marked the
  // session closed; or a keepalive ping times out first. With longrun's 10 s deadline: 30 s of failed calls.)
  // Node 22 and later report the protocol error: the call ends at once, and the next call works (on Node 24 and
  // 26, the one after it: test/helpers/upstream.ts).
  const OVERSIZED = OVERSIZED_HEADER_HANGS
    ? 'grpc-js waits for the deadline, and so does the next call on the channel'
    : `INTERNAL at once, and the ${OVERSIZED_HEADER_FAILS_NEXT_CALL ? 'second' : 'next'} call on the channel gets its answer`;

  /**
   * The channel's next answer after an oversized header field. On Node 24 and 26 the next call (or two, right
   * after) is picked onto the destroyed session and fails at once, never sent: "The session has been destroyed".
   */
  async function afterOversized(client: grpc.Client): Promise<Awaited<ReturnType<typeof call>>> {
    let destroyed = 0;
    for (;;) {
      const next = await call(client, 1_000);
      const onDestroyedSession =
        next.code === 'INTERNAL' && next.details.endsWith('internal client error: The session has been destroyed');
      if (!onDestroyedSession || destroyed === 3) {
        if (!OVERSIZED_HEADER_FAILS_NEXT_CALL) expect(destroyed).toBe(0);
        return next;
      }
      destroyed++;
      await sleep(20); // as a retry's backoff would: the channel notices the session is gone
    }
  }

  /** What a call that met an oversized header field gives on this Node, then the channel's next call. */
  async function expectOversizedOutcome(client: grpc.Client): Promise<void> {
    const first = await call(client, 1_000);
    if (OVERSIZED_HEADER_HANGS) {
      expect(first.code).toBe('DEADLINE_EXCEEDED');
      expect(first.ms).toBeGreaterThanOrEqual(950);
      expect((await call(client, 1_000)).code).toBe('DEADLINE_EXCEEDED');
    } else {
      expect([first.code, first.details]).toEqual([
        'INTERNAL',
        'Received RST_STREAM with code 2 triggered by internal client error: Protocol error',
      ]);
      expect(first.ms).toBeLessThan(950);
      const next = await afterOversized(client);
      expect([next.code, next.details]).toEqual(['NOT_FOUND', 'small']);
    }
  }

  it(`74,899 'x' (65,537 bytes): ${OVERSIZED} (${ON})`, async () => {
    trailers({ 'grpc-message': 'x'.repeat(74_899) });
    server.goaways.length = 0;
    await expectOversizedOutcome(newClient(server.address));
    expect(server.goaways).toContain(http2.constants.NGHTTP2_COMPRESSION_ERROR);
  });

  it(`the same in response headers, with 'grpc.max_metadata_size' / 'grpc-node.max_session_memory' set: ${OVERSIZED} (${ON})`, async () => {
    let used = false;
    server.answer = (stream) => {
      const extra = used ? {} : { 'x-big': 'x'.repeat(74_899) };
      used = true;
      stream.respond({ ...GRPC_HEADERS, ...extra }, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '5', 'grpc-message': 'small' }));
      stream.end(Buffer.alloc(0));
    };
    // grpc-js 1.14 reads neither 'grpc.max_metadata_size' nor any HTTP/2 header-size setting.
    const options = { 'grpc.max_metadata_size': 1024 * 1024, 'grpc-node.max_session_memory': 1 } as grpc.ChannelOptions;
    await expectOversizedOutcome(newClient(server.address, undefined, options));
  });

  it(`with keepalive pings (300 ms): ${OVERSIZED_HEADER_HANGS ? 'the ping ends it early, UNAVAILABLE "Connection dropped", then the channel recovers' : 'INTERNAL at once, before any ping'} (${ON})`, async () => {
    trailers({ 'grpc-message': 'x'.repeat(80_000) });
    const client = newClient(server.address, undefined, {
      'grpc.keepalive_time_ms': 300,
      'grpc.keepalive_timeout_ms': 300,
    });
    const first = await call(client, 5_000);
    if (OVERSIZED_HEADER_HANGS) {
      expect([first.code, first.details]).toEqual(['UNAVAILABLE', 'Connection dropped']);
      expect(first.ms).toBeGreaterThanOrEqual(550);
      expect(first.ms).toBeLessThan(2_000);
    } else {
      expect(first.code).toBe('INTERNAL');
      expect(first.ms).toBeLessThan(550);
    }
    const second = OVERSIZED_HEADER_HANGS ? await call(client, 2_000) : await afterOversized(client);
    expect([second.code, second.details]).toEqual(['NOT_FOUND', 'small']);
  });

  it(`over 128 header fields: RESOURCE_EXHAUSTED at once (Node's maxHeaderListPairs, RST_STREAM ENHANCE_YOUR_CALM) (${ON})`, async () => {
    const many: Record<string, string> = {};
    for (let i = 0; i < 130; i++) many[`x-field-${i}`] = 'v'.repeat(100);
    trailers(many);
    const outcome = await call(newClient(server.address), 2_000);
    expect([outcome.code, outcome.details]).toEqual([
      'RESOURCE_EXHAUSTED',
      'Bandwidth exhausted or memory limit exceeded',
    ]);
  });

  it(`a 240 KB header block in small fields: INTERNAL "Too many CONTINUATION frames" at once (${ON})`, async () => {
    const many: Record<string, string> = {};
    for (let i = 0; i < 60; i++) many[`x-field-${i}`] = `${i}`.padEnd(4_000, 'abcdefghijklmnopqrstuvwxyz0123456789');
    trailers(many);
    const outcome = await call(newClient(server.address), 2_000);
    expect(outcome.code).toBe('INTERNAL');
    expect(outcome.details).toBe(
      'Received RST_STREAM with code 2 triggered by internal client error: Too many CONTINUATION frames following a HEADER frame',
    );
  });
});

describe(`3. close() while the server accepted TCP and never spoke (${ON})`, () => {
  // A server per test: the socket a test leaves open must not count in the next one.
  let server: SilentServer;
  beforeEach(async () => {
    server = await startSilentServer();
  });
  afterEach(() => server.close());

  const credentialsOf = {
    insecure: () => grpc.credentials.createInsecure(),
    // No handshake ever completes, so the roots don't matter ('grpc.ssl_target_name_override' keeps the IP out of the SNI).
    tls: () => grpc.credentials.createSsl(),
  };

  // Measured with scratch scripts: still open 240 s after close() (the server never closes it). grpc-js never calls
  // Http2SubchannelConnector.shutdown() (transport.js); Subchannel.unref() only calls secureConnector.destroy(),
  // a no-op, and goes IDLE; the pending connect (TLS handshake, or the wait for the server's SETTINGS) has no timeout.
  it.each(['insecure', 'tls'] as const)(
    `%s: the socket (and its descriptor) stays open 3 s after client.close() (${ON})`,
    async (kind) => {
      await settle();
      const before = openFds();
      const client = new grpc.Client(server.address, credentialsOf[kind](), {
        'grpc.ssl_target_name_override': 'localhost',
      });
      const outcome = await call(client, 500);
      expect(outcome.code).toBe('DEADLINE_EXCEEDED');
      expect(client.getChannel().getConnectivityState(false)).toBe(grpc.connectivityState.CONNECTING);
      expect([openFds() - before, server.open()]).toEqual([2, 1]); // the client's socket and the server's
      client.close();
      expect(client.getChannel().getConnectivityState(false)).toBe(grpc.connectivityState.SHUTDOWN);
      await sleep(3_000);
      expect([openFds() - before, server.open()]).toEqual([2, 1]);
    },
  );
  // With TLS the leaked socket is the raw TCP socket of a handshake in progress, which grpc-js never unrefs (it
  // unrefs the HTTP/2 session only, transport.js createSession): a process that closed its client can't exit.
  it.each([
    ['insecure', true],
    ['tls', false],
  ] as const)(`%s: a process that closed its client exits by itself: %s (${ON})`, async (kind, exits) => {
    const script = `
      const grpc = require(${JSON.stringify(require.resolve('@grpc/grpc-js'))});
      const credentials = ${kind === 'tls' ? 'grpc.credentials.createSsl()' : 'grpc.credentials.createInsecure()'};
      const client = new grpc.Client(${JSON.stringify(server.address)}, credentials, { 'grpc.ssl_target_name_override': 'localhost' });
      client.makeUnaryRequest('/x.Y/Z', (b) => b, (b) => b, Buffer.alloc(0), new grpc.Metadata(),
        { deadline: Date.now() + 300 }, () => client.close());`;
    const child = spawn(process.execPath, ['-e', script], { stdio: 'ignore' });
    const exited = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 2_500);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
    if (!exited) child.kill();
    expect(exited).toBe(exits);
  });
});

/**
 * longrun's workaround (src/transports/grpc-credentials.ts): channel credentials wrapped (grpc-js' experimental
 * SecureConnector) to remember each connection until its server has sent a byte; at close, the ones whose server
 * never sent a byte of HTTP/2 are destroyed. A READY connection has read the server's SETTINGS (bytesRead > 0),
 * so it is left to grpc-js, which closes it gracefully.
 */
describe(`3'. longrun's workaround: close() then closeSilent() leaves no socket, and spares READY connections (${ON})`, () => {
  let silent: SilentServer;
  let h2: H2Server;
  let pki: TestPki;
  beforeAll(async () => {
    h2 = await startH2Server();
    pki = makeTestPki();
  });
  beforeEach(async () => {
    silent = await startSilentServer();
  });
  afterEach(() => silent.close());
  afterAll(async () => {
    await h2.close();
    pki.cleanup();
  });

  it.each(['insecure', 'tls'] as const)('%s, silent server: nothing left 200 ms after close', async (kind) => {
    await settle();
    const before = openFds();
    const credentials = new ClosableCredentials(
      kind === 'tls' ? grpc.credentials.createSsl(pki.caCert) : grpc.credentials.createInsecure(),
    );
    const client = new grpc.Client(silent.address, credentials, { 'grpc.ssl_target_name_override': 'localhost' });
    expect((await call(client, 500)).code).toBe('DEADLINE_EXCEEDED');
    expect([openFds() - before, silent.open()]).toEqual([2, 1]);
    client.close();
    credentials.closeSilent();
    await sleep(200);
    expect([openFds() - before, silent.open()]).toEqual([0, 0]);
  });

  it.each(['insecure', 'tls'] as const)(
    '%s, silent server, through longrun: the call fails, close() leaves no socket or descriptor',
    async (kind) => {
      await settle();
      const before = openFds();
      const transport =
        kind === 'tls'
          ? createGrpcTransport({ address: silent.address, rootCerts: pki.caCert, auth: 'none' })
          : createGrpcTransport({ address: silent.address, insecure: true });
      const client = new OperationsClient({ transport });
      const error = await rejectionOf(client.getOperation('projects/p/operations/o', { timeoutMs: 500 }));
      expect(error.code).toBe(Code.DEADLINE_EXCEEDED);
      expect([openFds() - before, silent.open()]).toEqual([2, 1]);
      await client.close();
      await sleep(200);
      expect([openFds() - before, silent.open()]).toEqual([0, 0]);
    },
  );

  it('a READY connection: a call in flight at close still gets its answer, then grpc-js closes the connection', async () => {
    h2.answer = (stream) =>
      void setTimeout(() => {
        stream.respond(GRPC_HEADERS, { waitForTrailers: true });
        stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '5', 'grpc-message': 'late' }));
        stream.end(Buffer.alloc(0));
      }, 300);
    await settle();
    const before = openFds();
    const credentials = new ClosableCredentials(grpc.credentials.createInsecure());
    const client = new grpc.Client(h2.address, credentials, {});
    expect((await call(client, 2_000)).details).toBe('late');
    const inFlight = call(client, 2_000);
    await sleep(50);
    client.close();
    credentials.closeSilent();
    expect([(await inFlight).code, (await inFlight).details]).toEqual(['NOT_FOUND', 'late']);
    await sleep(200);
    expect(openFds() - before).toBe(0);
  });
});
