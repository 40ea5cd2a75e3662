/**
 * The REST transport's words for connection failures: by the codes of the error and its causes,
 * never by Node's or undici's wording (which changes between versions); Node's error stays in
 * `cause`.
 */
import { Code } from '../../src';
import { fromNetworkError } from '../../src/transports/rest';

/** An error as Node or undici make them: a message in their words, a code, maybe a cause. */
function nodeError(message: string, code: string, cause?: unknown): Error {
  return Object.assign(new Error(message, cause === undefined ? undefined : { cause }), { code });
}

describe('fromNetworkError', () => {
  it.each([
    [nodeError('read ECONNRESET', 'ECONNRESET'), 'connection reset by the server (ECONNRESET)'],
    [
      nodeError('other side closed', 'UND_ERR_SOCKET', nodeError('read ECONNRESET', 'ECONNRESET')),
      'connection reset by the server (ECONNRESET)',
    ],
    [nodeError('other side closed', 'UND_ERR_SOCKET'), 'connection closed by the server (UND_ERR_SOCKET)'],
    [nodeError('connect ECONNREFUSED 127.0.0.1:1', 'ECONNREFUSED'), 'connection refused (ECONNREFUSED)'],
    [nodeError('getaddrinfo ENOTFOUND x.invalid', 'ENOTFOUND'), 'host name not found (ENOTFOUND)'],
    [
      nodeError("Hostname/IP does not match certificate's altnames", 'ERR_TLS_CERT_ALTNAME_INVALID'),
      "TLS: the server's certificate is not for this host (ERR_TLS_CERT_ALTNAME_INVALID)",
    ],
    [nodeError('self-signed certificate', 'DEPTH_ZERO_SELF_SIGNED_CERT'), /^TLS: .* not trusted/],
    [nodeError('something new in Node 28', 'ESOMETHINGNEW'), 'connection failed (ESOMETHINGNEW)'],
  ])('%s: UNAVAILABLE in longrun words, the original as cause', (error, words) => {
    const e = fromNetworkError(error);
    expect(e.code).toBe(Code.UNAVAILABLE);
    if (typeof words === 'string') expect(e.rawMessage).toBe(words);
    else expect(e.rawMessage).toMatch(words);
    expect(e.rawMessage).not.toContain(error.message);
    expect(e.cause).toBe(error);
  });

  it('timeouts of undici are DEADLINE_EXCEEDED, bad arguments INVALID_ARGUMENT and local', () => {
    expect(fromNetworkError(nodeError('Headers Timeout Error', 'UND_ERR_HEADERS_TIMEOUT')).code).toBe(
      Code.DEADLINE_EXCEEDED,
    );
    const bad = fromNetworkError(nodeError('invalid header', 'UND_ERR_INVALID_ARG'));
    expect([bad.code, bad.local]).toEqual([Code.INVALID_ARGUMENT, true]);
  });

  it('an error without a code is INTERNAL', () => {
    expect(fromNetworkError(new Error('?')).code).toBe(Code.INTERNAL);
  });
});
