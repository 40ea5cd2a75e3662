/**
 * The gRPC transport's channel credentials, a wrapper of grpc-js' at the narrowest point its
 * API allows (`SecureConnector`, experimental since grpc-js 1.13; pinned by
 * test/faults/grpc-edges.test.ts), for two things grpc-js gets wrong:
 *
 * TLS to an IP address. grpc-js sends the target's host as the TLS server name even when it
 * is an IP address, which RFC 6066 forbids: Node 20-24 warn (DEP0123), Node 26 refuses the
 * connection. For TLS that longrun set up itself (system or given roots, a client certificate)
 * to a single IP address, the handshake is longrun's: no server name, the certificate still
 * checked against the IP (its IP SAN), ALPN h2, as grpc-js does otherwise.
 *
 * close(), which must end the connection attempts grpc-js leaves open. grpc-js never shuts a subchannel's connector down on close (nothing
 * calls `Http2SubchannelConnector.shutdown()`), and neither the TLS handshake nor the wait for
 * the server's SETTINGS has a timeout: a socket to a server that accepted TCP and never spoke
 * HTTP/2 outlived close() until the server closed it (with TLS, it kept the process alive).
 * Built on grpc-js' `SecureConnector` (experimental API, 1.13+; pinned by
 * test/faults/grpc-edges.test.ts).
 */
import type { Socket } from 'node:net';
import { connect as tlsConnect, type SecureContext, type TLSSocket } from 'node:tls';
import * as grpc from '@grpc/grpc-js';

/** TLS longrun does itself: to `ip`, with this context (roots, client certificate). */
export interface IpTls {
  readonly ip: string;
  readonly secureContext: SecureContext;
}

interface Attempt {
  readonly tcp: Socket;
  /** The socket HTTP/2 runs over (the TLS socket, or `tcp`), once the handshake is done. */
  http2?: Socket;
}

export class ClosableCredentials extends grpc.ChannelCredentials {
  private readonly attempts = new Set<Attempt>();
  private closed = false;

  constructor(
    private readonly inner: grpc.ChannelCredentials,
    private readonly ipTls?: IpTls,
  ) {
    super();
  }

  override _isSecure(): boolean {
    return this.inner._isSecure();
  }

  /** Identity: a subchannel (and its connection attempt) is never shared with another transport. */
  override _equals(other: grpc.ChannelCredentials): boolean {
    return other === this;
  }

  override _createSecureConnector(
    target: grpc.experimental.GrpcUri,
    options: grpc.ChannelOptions,
    callCredentials?: grpc.CallCredentials,
  ): grpc.experimental.SecureConnector {
    const connector = this.inner._createSecureConnector(target, options, callCredentials);
    return {
      connect: async (tcp) => {
        if (this.closed) {
          tcp.destroy();
          throw new Error('transport is closed');
        }
        const attempt: Attempt = { tcp };
        this.attempts.add(attempt);
        tcp.once('close', () => this.attempts.delete(attempt));
        const result = this.ipTls ? await handshake(tcp, this.ipTls) : await connector.connect(tcp);
        attempt.http2 = result.socket;
        return result;
      },
      // grpc-js may try to reconnect a closed channel's subchannel once its backoff ends (when a call
      // asked for a connection while it was failing): refused here, before any socket or proxy tunnel.
      waitForReady: () => (this.closed ? Promise.reject(new Error('transport is closed')) : connector.waitForReady()),
      getCallCredentials: () => connector.getCallCredentials(),
      destroy: () => connector.destroy(),
    };
  }

  /**
   * After the channels closed: destroys every connection whose server never sent a byte of
   * HTTP/2 (not even SETTINGS), which can carry no call. A connection that did is left to
   * grpc-js, which closes it once its calls end; new attempts are refused.
   */
  /**
   * After close()'s grace, when every call left is being ended: destroys every connection, so
   * that the calls on them end at once and no socket outlives close(); new attempts are refused.
   */
  destroyAll(): void {
    this.closed = true;
    for (const attempt of this.attempts) {
      attempt.http2?.destroy();
      attempt.tcp.destroy();
    }
    this.attempts.clear();
  }

  closeSilent(): void {
    this.closed = true;
    for (const attempt of this.attempts) {
      if (attempt.http2 === undefined || attempt.http2.bytesRead === 0) {
        this.attempts.delete(attempt);
        attempt.http2?.destroy();
        attempt.tcp.destroy();
      }
    }
  }
}

/**
 * A TLS handshake over `tcp` to an IP address: no server name (RFC 6066), the server's
 * certificate checked against the IP by Node's default `checkServerIdentity`, ALPN h2.
 */
function handshake(tcp: Socket, { ip, secureContext }: IpTls): Promise<grpc.experimental.SecureConnectResult> {
  return new Promise((resolve, reject) => {
    const socket: TLSSocket = tlsConnect({ socket: tcp, host: ip, secureContext, ALPNProtocols: ['h2'] }, () => {
      if (!socket.authorized) {
        reject(socket.authorizationError);
        socket.destroy();
        return;
      }
      resolve({ socket, secure: true });
    });
    // Kept for the socket's life, as grpc-js' own connector does: a later error must not go unheard.
    socket.on('error', reject);
  });
}
