/**
 * The connections and HTTP/2 sessions a test server accepted, tracked so that its close()
 * can end every one (jest then exits without open handles); their errors are expected in
 * fault tests and ignored.
 */
import type * as http2 from 'node:http2';
import type * as net from 'node:net';

export interface Tracked {
  readonly sockets: ReadonlySet<net.Socket>;
  readonly sessions: ReadonlySet<http2.ServerHttp2Session>;
  /** Destroys every session and socket still open. */
  destroyAll(): void;
}

/** Tracks `server`'s sockets (and sessions, for an HTTP/2 server) from now on. */
export function trackConnections(server: net.Server | http2.Http2Server): Tracked {
  const sockets = new Set<net.Socket>();
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on('connection', (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
  });
  server.on('session', (session: http2.ServerHttp2Session) => {
    sessions.add(session);
    session.on('close', () => sessions.delete(session));
    session.on('error', () => undefined);
  });
  return {
    sockets,
    sessions,
    destroyAll() {
      for (const session of sessions) session.destroy();
      for (const socket of sockets) socket.destroy();
    },
  };
}
