/**
 * The check of `--endpoint` before anything is sent: pure functions from the text to a
 * one-line problem (undefined when the endpoint can be used). gRPC takes a grpc-js target,
 * REST a URL or the `host:port` shorthand.
 */
import { isIP } from 'node:net';

/** A host name or IPv4 address: labels of letters, digits, `-` and `_` (and any non-ASCII, for IDNs). */
const HOST_NAME = /^[A-Za-z0-9_\u0080-\uffff-]+(\.[A-Za-z0-9_\u0080-\uffff-]+)*\.?$/;

/** `scheme://` at the start: a URL, whatever its scheme. */
const URL_SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//;

/** The forms gRPC accepts, for the messages. */
const GRPC_FORMS = 'host:port, [::1]:port, dns:///host:port, ipv4:a:port,b:port or unix:/path';

/** The forms REST accepts, for the messages. */
const REST_FORMS = 'http(s)://host[:port][/prefix] or host:port';

/** Why `endpoint` can't be used with `transport`, in one line; undefined when it can. */
export function endpointProblem(endpoint: string, transport: 'grpc' | 'rest'): string | undefined {
  const problem = transport === 'grpc' ? grpcTargetProblem(endpoint) : restEndpointProblem(endpoint);
  // A user:password@ in a URL is not repeated.
  const shown = endpoint.replace(/^([^/]*\/\/)[^/]*@/, '$1...@');
  return problem === undefined ? undefined : `--endpoint ${JSON.stringify(shown)}: ${problem}`;
}

/**
 * What is wrong with a grpc-js target, or undefined: `host[:port]`, `[v6][:port]`,
 * `dns:[//authority/]host[:port]`, `ipv4:a[:p],b[:p]`, `ipv6:[v6][:p],...`, `unix:path`,
 * `unix-abstract:name`. A URL is wrong (it is REST's form).
 */
export function grpcTargetProblem(target: string): string | undefined {
  const scheme = URL_SCHEME.exec(target)?.[1]?.toLowerCase();
  if (scheme === 'http' || scheme === 'https') {
    return 'a URL, but gRPC expects host:port (for a REST URL, add --transport rest)';
  }
  if (/^unix(-abstract)?:/.test(target)) {
    return target.slice(target.indexOf(':') + 1).replace(/^\/\/(?=\/)/, '') === ''
      ? 'expected a socket path after unix:'
      : undefined;
  }
  const family = /^(ipv4|ipv6):/.exec(target)?.[1];
  if (family !== undefined) return addressListProblem(target.slice(family.length + 1), family === 'ipv4' ? 4 : 6);
  if (target.startsWith('dns:')) return dnsTargetProblem(target.slice('dns:'.length));
  if (scheme !== undefined) return `a URL (${scheme}://), but gRPC expects ${GRPC_FORMS}`;
  return hostPortProblem(target, GRPC_FORMS);
}

/** `[//authority/]host[:port]` after `dns:`. */
function dnsTargetProblem(rest: string): string | undefined {
  if (!rest.startsWith('//')) return hostPortProblem(rest, GRPC_FORMS);
  const slash = rest.indexOf('/', 2);
  return slash < 0
    ? `expected dns:///host:port (or ${GRPC_FORMS})`
    : hostPortProblem(rest.slice(slash + 1), GRPC_FORMS);
}

/** `a[:p],b[:p]` after `ipv4:` or `ipv6:` (IPv6 addresses in brackets when a port follows). */
function addressListProblem(list: string, family: 4 | 6): string | undefined {
  for (const part of list.split(',')) {
    const split = splitHostPort(part);
    if (split === undefined || isIP(split.host) !== family) {
      return `expected IPv${family} addresses after ipv${family}:, e.g. ${family === 4 ? 'ipv4:127.0.0.1:8080' : 'ipv6:[::1]:8080'}`;
    }
    if (split.port !== undefined && !validPort(split.port)) return 'the port must be a number from 1 to 65535';
  }
  return undefined;
}

/**
 * What is wrong with a REST endpoint, or undefined: an `http://` or `https://` URL with a host,
 * an optional port and path prefix, no query and no fragment; or the shorthand
 * `host[:port][/prefix]` (https://, or http:// with --insecure).
 */
export function restEndpointProblem(endpoint: string): string | undefined {
  if (/\s/.test(endpoint)) return `spaces in it; expected ${REST_FORMS}`;
  const scheme = URL_SCHEME.exec(endpoint)?.[1];
  if (scheme !== undefined && !/^https?$/i.test(scheme))
    return `${scheme}:// is not a scheme REST takes; expected ${REST_FORMS}`;
  const rest = scheme === undefined ? endpoint : endpoint.slice(scheme.length + 3);
  if (/[?#]/.test(rest)) return `a URL with a query or a fragment; expected ${REST_FORMS}`;
  const slash = rest.indexOf('/');
  const authority = slash < 0 ? rest : rest.slice(0, slash);
  if (authority.includes('@')) return `a user or password in the URL; expected ${REST_FORMS}`;
  const problem = hostPortProblem(authority, REST_FORMS);
  if (problem !== undefined) return problem;
  try {
    new URL(`${scheme ?? 'http'}://${rest}`);
  } catch {
    return `not a URL; expected ${REST_FORMS}`;
  }
  return undefined;
}

/** `host[:port]`, `[v6][:port]` or a bare IPv6 address: what is wrong with it, naming the `forms` expected. */
function hostPortProblem(text: string, forms: string): string | undefined {
  const split = splitHostPort(text);
  if (split === undefined || split.host === '') return `expected ${forms}`;
  const { host, port } = split;
  const v6 = text.startsWith('[') || host.includes(':');
  if (v6 ? isIP(host) !== 6 : !HOST_NAME.test(host)) return `${JSON.stringify(host)} is not a host; expected ${forms}`;
  if (port !== undefined && !validPort(port)) return `the port must be a number from 1 to 65535; expected ${forms}`;
  return undefined;
}

/** Host and port of `host[:port]` or `[v6][:port]` (a bare IPv6 address has no port), as grpc-js splits them. */
export function splitHostPort(text: string): { host: string; port?: string } | undefined {
  if (text.startsWith('[')) {
    const end = text.indexOf(']');
    if (end < 0) return undefined;
    const after = text.slice(end + 1);
    if (after === '') return { host: text.slice(1, end) };
    return after.startsWith(':') ? { host: text.slice(1, end), port: after.slice(1) } : undefined;
  }
  const colon = text.indexOf(':');
  if (colon < 0 || text.indexOf(':', colon + 1) >= 0) return { host: text };
  return { host: text.slice(0, colon), port: text.slice(colon + 1) };
}

function validPort(port: string): boolean {
  return /^\d{1,5}$/.test(port) && Number(port) >= 1 && Number(port) <= 65535;
}
