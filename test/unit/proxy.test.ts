/** The proxy decision, a pure function of the target, the option and the environment passed in. */
import { grpcProxyChannel, isExcluded, proxyFor, type ProxyTarget } from '../../src/proxy';

const TLS: ProxyTarget = { host: 'api.example.com', port: 443, secure: true };
const PLAIN: ProxyTarget = { host: 'api.example.com', port: 80, secure: false };
const P1 = 'http://p1:3128';
const P2 = 'http://p2:3128';

const origin = (target: ProxyTarget, env: Record<string, string>, kind: 'grpc' | 'rest' = 'rest'): string | undefined =>
  proxyFor(target, { kind }, env)?.origin;

describe('proxyFor: which variable', () => {
  it('a TLS target reads https_proxy, then HTTPS_PROXY; never http_proxy', () => {
    expect(origin(TLS, { https_proxy: P1, HTTPS_PROXY: P2 })).toBe(P1);
    expect(origin(TLS, { HTTPS_PROXY: P2 })).toBe(P2);
    expect(origin(TLS, { http_proxy: P1, HTTP_PROXY: P2 })).toBeUndefined();
  });

  it('a plaintext target reads http_proxy, then HTTP_PROXY; never https_proxy', () => {
    expect(origin(PLAIN, { http_proxy: P1, HTTP_PROXY: P2 })).toBe(P1);
    expect(origin(PLAIN, { HTTP_PROXY: P2 })).toBe(P2);
    expect(origin(PLAIN, { https_proxy: P1, HTTPS_PROXY: P2 })).toBeUndefined();
  });

  it('an empty (or blank) value counts as unset', () => {
    expect(origin(TLS, { https_proxy: '', HTTPS_PROXY: P2 })).toBe(P2);
    expect(origin(TLS, { https_proxy: '  ' })).toBeUndefined();
    expect(origin(TLS, {})).toBeUndefined();
  });

  it('grpc_proxy comes first over gRPC only, for TLS and plaintext alike', () => {
    expect(origin(TLS, { grpc_proxy: P1, https_proxy: P2 }, 'grpc')).toBe(P1);
    expect(origin(PLAIN, { grpc_proxy: P1, http_proxy: P2 }, 'grpc')).toBe(P1);
    expect(origin(TLS, { grpc_proxy: P1, https_proxy: P2 }, 'rest')).toBe(P2);
    expect(origin(TLS, { grpc_proxy: P1 }, 'rest')).toBeUndefined();
    expect(origin(TLS, { https_proxy: P2 }, 'grpc')).toBe(P2);
    expect(origin(TLS, { GRPC_PROXY: P1 }, 'grpc')).toBeUndefined();
  });

  it('the port defaults to 80; user info becomes basic credentials, percent-decoded', () => {
    expect(proxyFor(TLS, {}, { https_proxy: 'http://proxy.corp' })).toEqual({
      origin: 'http://proxy.corp:80',
      hostPort: 'proxy.corp:80',
      credentials: undefined,
      authorization: undefined,
    });
    const proxy = proxyFor(TLS, {}, { https_proxy: 'http://us%40er:p%3Ass@[::1]:8080/' });
    expect(proxy).toEqual({
      origin: 'http://[::1]:8080',
      hostPort: '[::1]:8080',
      credentials: 'us@er:p:ss',
      authorization: `Basic ${Buffer.from('us@er:p:ss').toString('base64')}`,
    });
    expect(proxyFor(TLS, {}, { https_proxy: 'http://user@p1:1' })?.credentials).toBe('user:');
  });
});

describe('proxyFor: the option and loopback', () => {
  it('an explicit proxy wins over the environment, no_proxy included', () => {
    const env = { https_proxy: P2, no_proxy: '*' };
    expect(proxyFor(TLS, { proxy: P1 }, env)?.origin).toBe(P1);
  });

  it('proxy: false ignores the environment', () => {
    expect(proxyFor(TLS, { proxy: false }, { https_proxy: P1, grpc_proxy: P1 })).toBeUndefined();
    expect(proxyFor(TLS, { kind: 'grpc', proxy: false }, { grpc_proxy: P1 })).toBeUndefined();
  });

  it.each(['127.0.0.1', '127.8.9.10', '::1', '[::1]', 'localhost', 'LOCALHOST'])(
    'loopback %s never goes through a proxy, not even an explicit one',
    (host) => {
      const env = { https_proxy: P1, http_proxy: P1, grpc_proxy: P1 };
      for (const secure of [true, false]) {
        expect(proxyFor({ host, port: 443, secure }, { kind: 'grpc' }, env)).toBeUndefined();
        expect(proxyFor({ host, port: 443, secure }, { proxy: P1 }, env)).toBeUndefined();
      }
    },
  );

  it('a name under localhost is not loopback (it may resolve anywhere)', () => {
    expect(origin({ host: 'a.localhost', port: 443, secure: true }, { https_proxy: P1 })).toBe(P1);
  });
});

describe('proxyFor: invalid proxy URLs', () => {
  it.each([
    ['https://user:hunter2@p1:443', 'must be an http:// proxy URL'],
    ['socks5://p1:1080', 'must be an http:// proxy URL'],
    ['not a url hunter2', 'is not a valid proxy URL'],
    ['p1:3128', 'must be an http:// proxy URL'],
    ['http://us%zzer:hunter2@p1:1', 'malformed percent-encoding'],
  ])('%s: a TypeError naming the variable, never quoting the value', (value, text) => {
    let error: unknown;
    try {
      proxyFor(TLS, {}, { HTTPS_PROXY: value });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toContain('HTTPS_PROXY');
    expect((error as Error).message).toContain(text);
    expect((error as Error).message).not.toContain('hunter2');
    expect((error as Error).message).not.toContain('p1');
  });

  it('an invalid option throws even for a target that would not use it', () => {
    expect(() => proxyFor({ host: '127.0.0.1', port: 1, secure: false }, { proxy: 'https://p1' })).toThrow(
      /the proxy option must be an http:\/\/ proxy URL/,
    );
  });

  it('an invalid variable that is not read (loopback, excluded, other scheme) is ignored', () => {
    const bad = 'https://p1';
    expect(proxyFor({ host: 'localhost', port: 1, secure: true }, {}, { https_proxy: bad })).toBeUndefined();
    expect(proxyFor(TLS, {}, { https_proxy: bad, no_proxy: 'example.com' })).toBeUndefined();
    expect(proxyFor(TLS, {}, { http_proxy: bad })).toBeUndefined();
  });
});

describe('no_proxy', () => {
  const excluded = (host: string, list: string, port = 443): boolean => isExcluded({ host, port }, list);

  it('* excludes everything', () => {
    expect(excluded('anything.example', '*')).toBe(true);
    expect(excluded('10.1.2.3', 'foo, *')).toBe(true);
  });

  it('a name matches itself and its subdomains on a label boundary, with or without a leading dot or *.', () => {
    for (const entry of ['example.com', '.example.com', '*.example.com', 'EXAMPLE.com']) {
      expect(excluded('example.com', entry)).toBe(true);
      expect(excluded('a.example.com', entry)).toBe(true);
      expect(excluded('a.b.Example.COM', entry)).toBe(true);
      expect(excluded('badexample.com', entry)).toBe(false);
      expect(excluded('example.com.evil', entry)).toBe(false);
    }
    expect(excluded('example.com.', 'example.com')).toBe(true);
    expect(excluded('proxied.test', '.test')).toBe(true);
  });

  it('entries are comma-separated with whitespace trimmed; empty entries are nothing', () => {
    expect(excluded('b.example', ' a.example ,  b.example  ')).toBe(true);
    expect(excluded('c.example', ' a.example , , b.example ,')).toBe(false);
    expect(excluded('c.example', ',')).toBe(false);
    expect(excluded('c.example', '.')).toBe(false);
  });

  it('an entry with a port matches that port only', () => {
    expect(excluded('a.example.com', 'example.com:443', 443)).toBe(true);
    expect(excluded('a.example.com', 'example.com:443', 8443)).toBe(false);
    expect(excluded('10.0.0.1', '10.0.0.1:8443', 8443)).toBe(true);
    expect(excluded('10.0.0.1', '10.0.0.1:8443', 443)).toBe(false);
    expect(excluded('2001:db8::1', '[2001:db8::1]:443', 443)).toBe(true);
    expect(excluded('2001:db8::1', '[2001:db8::1]:443', 80)).toBe(false);
  });

  it('IP addresses match exactly, never as a suffix; IPv6 bare or in brackets, in any spelling', () => {
    expect(excluded('10.0.0.1', '10.0.0.1')).toBe(true);
    expect(excluded('110.0.0.1', '10.0.0.1')).toBe(false);
    expect(excluded('10.0.0.1', '0.0.1')).toBe(false);
    expect(excluded('2001:db8::1', '2001:db8::1')).toBe(true);
    expect(excluded('[2001:db8::1]', '[2001:DB8:0::1]')).toBe(true);
    expect(excluded('2001:db8::1', '2001:db8::2')).toBe(false);
    expect(excluded('2001:db8::1', 'db8::1')).toBe(false);
  });

  it('a CIDR block matches the IP addresses in it, not names', () => {
    expect(excluded('10.200.3.4', '10.0.0.0/8')).toBe(true);
    expect(excluded('11.0.0.1', '10.0.0.0/8')).toBe(false);
    expect(excluded('192.168.1.77', '192.168.1.64/26')).toBe(true);
    expect(excluded('192.168.1.128', '192.168.1.64/26')).toBe(false);
    expect(excluded('1.2.3.4', '0.0.0.0/0')).toBe(true);
    expect(excluded('10.in-addr.example', '10.0.0.0/8')).toBe(false);
    expect(excluded('fd00::5', 'fd00::/8')).toBe(true);
    expect(excluded('10.0.0.1', '10.0.0.0/33')).toBe(false);
    expect(excluded('10.0.0.1', 'fd00::/8')).toBe(false);
  });

  it('which list: no_grpc_proxy first over gRPC only, then no_proxy, then NO_PROXY', () => {
    const base = { https_proxy: P1 };
    expect(origin(TLS, { ...base, no_proxy: 'example.com', NO_PROXY: 'other' })).toBeUndefined();
    expect(origin(TLS, { ...base, NO_PROXY: 'example.com' })).toBeUndefined();
    expect(origin(TLS, { ...base, no_proxy: 'other', NO_PROXY: 'example.com' })).toBe(P1);
    expect(origin(TLS, { ...base, no_proxy: '', NO_PROXY: 'example.com' })).toBeUndefined();
    expect(origin(TLS, { ...base, no_grpc_proxy: 'example.com' }, 'grpc')).toBeUndefined();
    expect(origin(TLS, { ...base, no_grpc_proxy: 'example.com' }, 'rest')).toBe(P1);
    expect(origin(TLS, { ...base, no_grpc_proxy: 'other', no_proxy: 'example.com' }, 'grpc')).toBe(P1);
  });
});

describe('grpcProxyChannel', () => {
  const env = { https_proxy: 'http://u:p@proxy.corp:3128', http_proxy: 'http://proxy.corp:3128' };

  it.each([
    ['api.example.com:443', 'dns:api.example.com:443', 'api.example.com:443'],
    ['api.example.com', 'dns:api.example.com', 'api.example.com'],
    ['dns:api.example.com:8443', 'dns:api.example.com:8443', 'api.example.com:8443'],
    ['dns:///api.example.com:443', 'dns:///api.example.com:443', 'api.example.com:443'],
    ['ipv4:10.0.0.1:443', 'ipv4:10.0.0.1:443', '10.0.0.1:443'],
  ])('%s goes through the proxy, the real target and authority kept', (address, connectTarget, authority) => {
    expect(grpcProxyChannel(address, true, {}, env)).toEqual({
      target: 'dns:proxy.corp:3128',
      options: {
        'grpc.http_connect_target': connectTarget,
        'grpc.http_connect_creds': 'u:p',
        'grpc.default_authority': authority,
      },
    });
  });

  it('no user info: no grpc.http_connect_creds', () => {
    expect(grpcProxyChannel('api.example.com:80', false, {}, env).options).toEqual({
      'grpc.http_connect_target': 'dns:api.example.com:80',
      'grpc.default_authority': 'api.example.com:80',
    });
  });

  it.each(['127.0.0.1:50051', 'localhost:50051', '[::1]:50051', 'unix:/tmp/socket', 'ipv4:127.0.0.1:1,127.0.0.2:1'])(
    '%s: direct, unchanged',
    (address) => {
      expect(grpcProxyChannel(address, true, {}, { ...env, grpc_proxy: P1 })).toEqual({ target: address, options: {} });
    },
  );

  it('the port decides a no_proxy entry with a port (default 443)', () => {
    expect(grpcProxyChannel('api.example.com', true, {}, { ...env, no_proxy: 'example.com:443' }).options).toEqual({});
    expect(grpcProxyChannel('api.example.com:8443', true, {}, { ...env, no_proxy: 'example.com:443' }).target).toBe(
      'dns:proxy.corp:3128',
    );
  });

  it('several addresses or an IPv6 address through a proxy: a TypeError; without a proxy: fine', () => {
    expect(() => grpcProxyChannel('ipv4:10.0.0.1:443,10.0.0.2:443', true, {}, env)).toThrow(/several addresses/);
    expect(() => grpcProxyChannel('[2001:db8::1]:443', true, {}, env)).toThrow(/IPv6/);
    expect(grpcProxyChannel('ipv4:10.0.0.1:443,10.0.0.2:443', true, { proxy: false }, env).options).toEqual({});
    expect(grpcProxyChannel('[2001:db8::1]:443', true, {}, { ...env, no_proxy: '2001:db8::1' }).options).toEqual({});
  });
});
