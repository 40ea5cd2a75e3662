/**
 * Channel credentials that let a gRPC transport's close() end the connection attempts
 * grpc-js leaves open. grpc-js never shuts a subchannel's connector down on close (nothing
 * calls `Http2SubchannelConnector.shutdown()`), and neither the TLS handshake nor the wait for
 * the server's SETTINGS has a timeout: a socket to a server that accepted TCP and never spoke
 * HTTP/2 outlived close() until the server closed it (with TLS, it kept the process alive).
 * Built on grpc-js' `SecureConnector` (experimental API, 1.13+; pinned by
 * test/faults/grpc-edges.test.ts).
 */
import type { Socket } from 'node:net';
import * as grpc from '@grpc/grpc-js';

interface Attempt {
  readonly tcp: Socket;
  /** The socket HTTP/2 runs over (the TLS socket, or `tcp`), once the handshake is done. */
  http2?: Socket;
}

export class ClosableCredentials extends grpc.ChannelCredentials {
  private readonly attempts = new Set<Attempt>();
  private closed = false;

  constructor(private readonly inner: grpc.ChannelCredentials) {
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
        const result = await connector.connect(tcp);
        attempt.http2 = result.socket;
        return result;
      },
      waitForReady: () => connector.waitForReady(),
      getCallCredentials: () => connector.getCallCredentials(),
      destroy: () => connector.destroy(),
    };
  }

  /**
   * After the channels closed: destroys every connection whose server never sent a byte of
   * HTTP/2 (not even SETTINGS), which can carry no call. A connection that did is left to
   * grpc-js, which closes it once its calls end; new attempts are refused.
   */
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
