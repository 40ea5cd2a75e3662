/**
 * Which HTTP proxy, if any, a transport goes through: one decision for both transports,
 * made by longrun (grpc-js is told never to read the environment itself).
 *
 * Rules, in order:
 * 1. A loopback target (127.0.0.0/8, ::1, `localhost`) never goes through a proxy, whatever
 *    is set (as Go's net/http). A credential therefore never reaches a proxy over plaintext:
 *    plaintext with credentials is only allowed to loopback.
 * 2. The transport's `proxy` option, when given, wins and the environment is not read at all:
 *    an `http://[user:pass@]host[:port]` URL, or `false` for never.
 * 3. Otherwise the environment. The proxy is the first non-empty of: over gRPC `grpc_proxy`
 *    (as grpc-js users expect), then for a TLS target `https_proxy`, `HTTPS_PROXY`, for a
 *    plaintext target `http_proxy`, `HTTP_PROXY`. Lowercase wins over uppercase; an empty
 *    value counts as unset. None set: no proxy.
 * 4. Unless the target is in the exclusion list: the first non-empty of (over gRPC
 *    `no_grpc_proxy`), `no_proxy`, `NO_PROXY`. Comma-separated entries, whitespace trimmed,
 *    case-insensitive:
 *    - `*` excludes everything;
 *    - a name matches the host exactly or as a domain suffix on a label boundary:
 *      `example.com`, `.example.com` and `*.example.com` all match `example.com` and
 *      `a.example.com`, never `badexample.com`;
 *    - an IP address (IPv6 bare or in brackets) matches that address only;
 *    - a CIDR block (`10.0.0.0/8`, `fd00::/8`) matches the IP addresses in it (not names);
 *    - any of the above but `*` and CIDR may end in `:port`, and then matches that port only.
 *
 * Only `http://` proxies are supported: the tunnel to the proxy is plain HTTP, and TLS to the
 * target runs end to end inside an HTTP CONNECT tunnel (the target's certificate is verified,
 * under the target's name). A proxy URL's user info is sent as basic `Proxy-Authorization`
 * on the CONNECT request. An `https://` or unparsable proxy URL is a TypeError naming the
 * variable (or option) it came from, never its value (it may hold a password).
 */
import { BlockList, isIP } from 'node:net';
import { isLoopback } from './auth';

/** The transport asking: gRPC also honours `grpc_proxy` and `no_grpc_proxy`. */
export type ProxyKind = 'grpc' | 'rest';

/** Where a transport connects: host (name or IP, IPv6 with or without brackets), port, TLS or not. */
export interface ProxyTarget {
  readonly host: string;
  readonly port: number;
  readonly secure: boolean;
}

/** How to decide. */
export interface ProxySettings {
  /** The transport asking. Default `rest` (`grpc_proxy`, `no_grpc_proxy` not read). */
  readonly kind?: ProxyKind | undefined;
  /** The transport's `proxy` option: a URL or `false` (never), which win over the environment. Default: the environment decides. */
  readonly proxy?: string | false | undefined;
}

/** A proxy to tunnel through with HTTP CONNECT. */
export interface HttpProxy {
  /** `http://host:port` (no user info, the port always written). */
  readonly origin: string;
  /** The host as a grpc-js target path: `host:port`, `[v6]:port`. */
  readonly hostPort: string;
  /** The decoded `user:password` of the URL's user info, or undefined without user info. */
  readonly credentials: string | undefined;
  /** `Basic <base64 of credentials>`, the `Proxy-Authorization` value, or undefined. */
  readonly authorization: string | undefined;
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * The proxy a transport to `target` goes through, or undefined for a direct connection (see the
 * module's rules). Throws a TypeError when the proxy URL to use is not a valid `http://` URL;
 * an invalid `proxy` option throws even when the target wouldn't use it.
 */
export function proxyFor(
  target: ProxyTarget,
  settings: ProxySettings = {},
  env: Env = process.env,
): HttpProxy | undefined {
  const explicit = settings.proxy;
  const checked = typeof explicit === 'string' ? parseProxyUrl(explicit, 'the proxy option') : undefined;
  if (isLoopback(target.host) || explicit === false) return undefined;
  if (checked) return checked;
  const kind = settings.kind ?? 'rest';
  const grpc = kind === 'grpc' ? ['grpc_proxy'] : [];
  const names = [...grpc, ...(target.secure ? ['https_proxy', 'HTTPS_PROXY'] : ['http_proxy', 'HTTP_PROXY'])];
  const found = firstSet(env, names);
  if (!found) return undefined;
  const exclusions = firstSet(env, [...(kind === 'grpc' ? ['no_grpc_proxy'] : []), 'no_proxy', 'NO_PROXY']);
  if (exclusions && isExcluded(target, exclusions.value)) return undefined;
  return parseProxyUrl(found.value, found.name);
}

/** The first variable of `names` with a non-empty value. */
function firstSet(env: Env, names: readonly string[]): { name: string; value: string } | undefined {
  for (const name of names) {
    const value = env[name]?.trim();
    if (value) return { name, value };
  }
  return undefined;
}

/** An `http://` proxy URL, or a TypeError naming `source` (never quoting the value). */
function parseProxyUrl(value: string, source: string): HttpProxy {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new TypeError(`${source} is not a valid proxy URL (expected http://host:port)`);
  }
  if (url.protocol !== 'http:') {
    throw new TypeError(`${source} must be an http:// proxy URL (other schemes, https:// included, are not supported)`);
  }
  if (url.hostname === '') throw new TypeError(`${source} has no host (expected http://host:port)`);
  const hostPort = `${url.hostname}:${url.port || '80'}`;
  const credentials = userInfo(url, source);
  return {
    origin: `http://${hostPort}`,
    hostPort,
    credentials,
    authorization: credentials === undefined ? undefined : `Basic ${Buffer.from(credentials).toString('base64')}`,
  };
}

function userInfo(url: URL, source: string): string | undefined {
  if (!url.username && !url.password) return undefined;
  try {
    return `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
  } catch {
    throw new TypeError(`${source} has malformed percent-encoding in its user info`);
  }
}

/** Whether a `no_proxy` list excludes the target. */
export function isExcluded(target: Pick<ProxyTarget, 'host' | 'port'>, list: string): boolean {
  const host = normalizeHost(target.host);
  for (const raw of list.split(',')) {
    const entry = raw.trim().toLowerCase();
    if (entry === '') continue;
    if (entry === '*') return true;
    if (entry.includes('/')) {
      if (inCidr(host, entry)) return true;
      continue;
    }
    const { name, port } = splitEntry(entry);
    if (port !== undefined && port !== target.port) continue;
    if (hostMatches(host, normalizeHost(name))) return true;
  }
  return false;
}

/** An entry's host and optional port: `host`, `host:port`, `[v6]`, `[v6]:port`, bare v6 (no port). */
function splitEntry(entry: string): { name: string; port: number | undefined } {
  const bracketed = /^\[([^\]]*)\](?::(\d+))?$/.exec(entry);
  if (bracketed)
    return { name: bracketed[1] ?? '', port: bracketed[2] === undefined ? undefined : Number(bracketed[2]) };
  const hostPort = /^([^:]*):(\d+)$/.exec(entry);
  if (hostPort) return { name: hostPort[1] ?? '', port: Number(hostPort[2]) };
  return { name: entry, port: undefined };
}

function hostMatches(host: string, name: string): boolean {
  if (name === '') return false;
  if (isIP(host) !== 0 || isIP(name) !== 0) return host === name;
  const domain = name.startsWith('*.') ? name.slice(2) : name.startsWith('.') ? name.slice(1) : name;
  return domain !== '' && (host === domain || host.endsWith(`.${domain}`));
}

/** Lower case, without brackets or a trailing dot; IPv6 in its canonical (compressed) form. */
function normalizeHost(host: string): string {
  let bare = host.toLowerCase();
  if (bare.startsWith('[') && bare.endsWith(']')) bare = bare.slice(1, -1);
  if (bare.endsWith('.')) bare = bare.slice(0, -1);
  if (isIP(bare) === 6) return new URL(`http://[${bare}]/`).hostname.slice(1, -1);
  return bare;
}

function inCidr(host: string, entry: string): boolean {
  const family = isIP(host);
  const [network = '', bits = ''] = entry.split('/');
  const netFamily = isIP(network);
  const prefix = Number(bits);
  if (family === 0 || netFamily !== family || !/^\d{1,3}$/.test(bits) || prefix > (family === 4 ? 32 : 128)) {
    return false;
  }
  const type = family === 4 ? 'ipv4' : 'ipv6';
  const block = new BlockList();
  block.addSubnet(network, prefix, type);
  return block.check(host, type);
}

/** A grpc-js channel's target and the options that make it go (or not) through a proxy. */
export interface GrpcProxyChannel {
  /** The channel target: the proxy's `dns:host:port`, or the address unchanged. */
  readonly target: string;
  /**
   * Through a proxy: `grpc.http_connect_target` (the real target, which grpc-js asks the proxy
   * for with CONNECT and verifies TLS against), `grpc.http_connect_creds` (user info) and
   * `grpc.default_authority` (the real target's authority, as without a proxy). Empty otherwise.
   */
  readonly options: Readonly<Record<string, string>>;
}

/** The grpc-js schemes of a single target path; any other prefix is part of a DNS name (grpc-js' default scheme). */
const GRPC_URI = /^(?:([A-Za-z0-9+.-]+):)?(?:\/\/([^/]*)\/)?(.+)$/;
const DEFAULT_GRPC_PORT = 443;

/**
 * The channel of a gRPC transport to `address` (a grpc-js target), through the proxy
 * {@link proxyFor} decides, if any. A target of several addresses (`ipv4:a:p,b:p`) or an IPv6
 * address can't go through a proxy (grpc-js sends a single, unbracketed `host:port` in its
 * CONNECT): when the decision is a proxy, a TypeError.
 */
export function grpcProxyChannel(
  address: string,
  secure: boolean,
  settings: Omit<ProxySettings, 'kind'> = {},
  env: Env = process.env,
): GrpcProxyChannel {
  const direct: GrpcProxyChannel = { target: address, options: {} };
  const parsed = parseGrpcTarget(address);
  if (!parsed) return direct;
  const decisions = parsed.hosts.map((target) => proxyFor({ ...target, secure }, { ...settings, kind: 'grpc' }, env));
  const proxy = decisions.find((decision) => decision !== undefined);
  if (!proxy) return direct;
  if (parsed.hosts.length > 1) {
    throw new TypeError('a gRPC target of several addresses cannot go through a proxy: set proxy: false or no_proxy');
  }
  if (isIP(parsed.hosts[0]?.host ?? '') === 6) {
    throw new TypeError(
      'a gRPC target that is an IPv6 address cannot go through a proxy: set proxy: false or no_proxy',
    );
  }
  return {
    target: `dns:${proxy.hostPort}`,
    options: {
      'grpc.http_connect_target': parsed.uri,
      ...(proxy.credentials !== undefined && { 'grpc.http_connect_creds': proxy.credentials }),
      'grpc.default_authority': parsed.authority,
    },
  };
}

interface GrpcTarget {
  /** The target as a grpc-js URI with its scheme. */
  readonly uri: string;
  /** The authority grpc-js sends without a proxy: the path, or the first address of a list. */
  readonly authority: string;
  readonly hosts: readonly { host: string; port: number }[];
}

/** A grpc-js target's hosts and ports (default 443); undefined for `unix:` or anything grpc-js would refuse. */
function parseGrpcTarget(address: string): GrpcTarget | undefined {
  const match = GRPC_URI.exec(address);
  if (!match) return undefined;
  const scheme = match[1];
  if (scheme === 'unix' || scheme === 'unix-abstract') return undefined;
  const list = scheme === 'ipv4' || scheme === 'ipv6';
  const [uri, path] = list || scheme === 'dns' ? [address, match[3] ?? ''] : [`dns:${address}`, address];
  const hosts = (list ? path.split(',') : [path]).map(splitHostPort);
  if (hosts.some((host) => host === undefined)) return undefined;
  return {
    uri,
    authority: list ? (path.split(',')[0] ?? '') : path,
    hosts: hosts as { host: string; port: number }[],
  };
}

/** grpc-js' reading of `host:port`, `[v6]:port`, `[v6]`, a bare host or a bare IPv6 address. */
function splitHostPort(path: string): { host: string; port: number } | undefined {
  const bracketed = /^\[([^\]]*:[^\]]*)\](?::(\d+))?$/.exec(path);
  if (bracketed) return { host: bracketed[1] ?? '', port: Number(bracketed[2] ?? DEFAULT_GRPC_PORT) };
  if (path.startsWith('[')) return undefined;
  const parts = path.split(':');
  if (parts.length !== 2) return { host: path, port: DEFAULT_GRPC_PORT };
  return /^\d+$/.test(parts[1] ?? '') ? { host: parts[0] ?? '', port: Number(parts[1]) } : undefined;
}
