/**
 * Which versions of Node and grpc-js have the upstream behaviours the tests pin, so that each
 * test expects the right thing on the version it runs on (CI runs Node 20, 22, 24 and 26).
 * Measured with test/faults/grpc-edges.test.ts on grpc-js 1.14.7 and Node 20.20.2, 22.23.5,
 * 24.22.3 and 26.12.1.
 */

/** The major version of the Node running the tests. */
export const NODE_MAJOR = Number(process.versions.node.split('.')[0]);

/**
 * A response header field over 64 KiB once HPACK-encoded: Node 20's HTTP/2 client stops
 * reading the session without any event, so grpc-js waits for the deadline (and so do the
 * channel's next calls). Node 22 and later end the call at once, INTERNAL "Received RST_STREAM
 * with code 2 triggered by internal client error: Protocol error".
 */
export const OVERSIZED_HEADER_HANGS = NODE_MAJOR <= 20;

/**
 * After that, on Node 24 and 26, the channel's next call (one or two, right after) may be
 * picked onto the destroyed session and fail at once, INTERNAL "... The session has been
 * destroyed" (never sent: longrun makes it UNAVAILABLE, so it is retried); then the channel
 * reconnects. Measured with the same server: Node 24.22 and 26.12 do, Node 22.23 doesn't.
 */
export const OVERSIZED_HEADER_FAILS_NEXT_CALL = NODE_MAJOR >= 24;
