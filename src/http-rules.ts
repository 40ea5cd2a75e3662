/**
 * HTTP rules as data, one table per API, and gRPC transcoding (AIP-127) as a pure function:
 * rule + request -> { method, path, query, body }.
 */
import { Code, OperationsError } from './errors';
import { compileTemplate, validateName, type NameTemplate } from './names';

/** An HTTP method an HTTP rule can use. */
export type HttpVerb = 'GET' | 'POST' | 'DELETE' | 'PATCH' | 'PUT';

/** One google.api.HttpRule: a verb, a path template with one `{name=...}` variable, and the body mapping. */
export interface HttpRule {
  /** The HTTP method. */
  readonly method: HttpVerb;
  /** e.g. `/v1/{name=projects/*\/operations/*}:cancel`. */
  readonly path: string;
  /** `*`: the request fields not bound in the path go in a JSON body. Unset: they go in the query. */
  readonly body?: '*';
}

/** The HTTP rules of one API's google.longrunning.Operations. A method without a rule isn't served over REST. */
export interface HttpRules {
  /** A short name for messages, e.g. `optimization.v1`. */
  readonly api: string;
  /** GetOperation's rule. */
  readonly getOperation: HttpRule;
  /** CancelOperation's rule. */
  readonly cancelOperation: HttpRule;
  /** DeleteOperation's rule, if the API serves it over REST. */
  readonly deleteOperation?: HttpRule;
  /** ListOperations' rule, if the API serves it over REST (its `name` is the parent). */
  readonly listOperations?: HttpRule;
  /** WaitOperation's rule, if the API serves it over REST. */
  readonly waitOperation?: HttpRule;
}

/**
 * Cloud Optimization v1 (optimization.googleapis.com), the default. WaitOperation has no rule.
 * ListOperations: the public REST reference lists POST; the proto's annotation (and
 * {@link GENERIC_RULES}) use GET. To use GET, change `method` on the marked line.
 */
export const OPTIMIZATION_V1_RULES: HttpRules = {
  api: 'optimization.v1',
  getOperation: { method: 'GET', path: '/v1/{name=projects/*/operations/*}' },
  cancelOperation: { method: 'POST', path: '/v1/{name=projects/*/operations/*}:cancel' },
  deleteOperation: { method: 'DELETE', path: '/v1/{name=projects/*/operations/*}' },
  listOperations: { method: 'POST', path: '/v1/{name=projects/*}/operations' }, // the list verb: POST or GET
};

/** Route Optimization v1 (routeoptimization.googleapis.com): operations live under a location. */
export const ROUTE_OPTIMIZATION_V1_RULES: HttpRules = {
  api: 'routeoptimization.v1',
  getOperation: { method: 'GET', path: '/v1/{name=projects/*/locations/*/operations/*}' },
  cancelOperation: { method: 'POST', path: '/v1/{name=projects/*/locations/*/operations/*}:cancel', body: '*' },
  deleteOperation: { method: 'DELETE', path: '/v1/{name=projects/*/locations/*/operations/*}' },
  listOperations: { method: 'GET', path: '/v1/{name=projects/*/locations/*}/operations' },
};

/** The generic rules of google/longrunning/operations.proto's own annotations. */
export const GENERIC_RULES: HttpRules = {
  api: 'longrunning.v1',
  getOperation: { method: 'GET', path: '/v1/{name=operations/**}' },
  cancelOperation: { method: 'POST', path: '/v1/{name=operations/**}:cancel', body: '*' },
  deleteOperation: { method: 'DELETE', path: '/v1/{name=operations/**}' },
  listOperations: { method: 'GET', path: '/v1/{name=operations}' },
};

/** A rule's path, split around its variable. */
export interface CompiledRule {
  readonly rule: HttpRule;
  /** The literal before the variable, e.g. `/v1/`. */
  readonly prefix: string;
  /** The variable's template, e.g. `projects/*\/operations/*`. */
  readonly template: NameTemplate;
  /** The literal after it, e.g. `:cancel` or `/operations`. */
  readonly suffix: string;
}

const compiledRules = new WeakMap<HttpRule, CompiledRule>();

/** Splits a rule's path around its one `{name=...}` variable (`{name}` alone means `*`). */
export function compileRule(rule: HttpRule): CompiledRule {
  const cached = compiledRules.get(rule);
  if (cached) return cached;
  const open = rule.path.indexOf('{');
  const close = rule.path.indexOf('}', open);
  if (open < 0 || close < 0 || rule.path.indexOf('{', open + 1) >= 0) {
    throw new TypeError(`HTTP rule ${rule.path}: expected exactly one {name=...} variable`);
  }
  const variable = rule.path.slice(open + 1, close);
  const eq = variable.indexOf('=');
  const field = eq < 0 ? variable : variable.slice(0, eq);
  if (field !== 'name') throw new TypeError(`HTTP rule ${rule.path}: the variable must be "name"`);
  const compiled: CompiledRule = {
    rule,
    prefix: rule.path.slice(0, open),
    template: compileTemplate(eq < 0 ? '*' : variable.slice(eq + 1)),
    suffix: rule.path.slice(close + 1),
  };
  compiledRules.set(rule, compiled);
  return compiled;
}

/** The name template operation names are checked against, from the same table the paths come from. */
export function operationTemplate(rules: HttpRules): NameTemplate {
  return compileRule(rules.getOperation).template;
}

/** The template of ListOperations' `name` (the parent), or undefined when the API has no list rule. */
export function parentTemplate(rules: HttpRules): NameTemplate | undefined {
  return rules.listOperations && compileRule(rules.listOperations).template;
}

/** The parts of an HTTP request, before a base URL is put in front. */
export interface HttpRequestParts {
  /** The HTTP method. */
  readonly method: HttpVerb;
  /** The encoded path, e.g. `/v1/projects/p/operations/a%20b:cancel`. */
  readonly path: string;
  /** Encoded query parameters, without the `?`, or '' for none. */
  readonly query: string;
  /** The JSON body, or undefined for none. */
  readonly body: string | undefined;
}

/** A request as transcoding sees it: `name` plus scalar fields (`filter`, `pageSize`, ...). */
export type TranscodableRequest = {
  /** The resource name the rule's path template binds. */
  readonly name: string;
} & Readonly<Record<string, unknown>>;

/**
 * gRPC transcoding of one request: `name` is validated against the rule's template and
 * bound into the path (a `*` segment percent-encoded whole, `**` keeping its slashes); the
 * other fields go in the JSON body (`body: '*'`) or the query; fields at their default
 * value (empty string, 0, false, undefined) are left out.
 */
export function transcode(rule: HttpRule, request: TranscodableRequest): HttpRequestParts {
  const compiled = compileRule(rule);
  const name = validateName(request.name, compiled.template, 'name');
  const path = compiled.prefix + encodeName(name) + compiled.suffix;
  const rest: Record<string, unknown> = {};
  for (const key of Object.keys(request)) {
    const value = request[key];
    if (key === 'name' || value === undefined || value === '' || value === 0 || value === false) continue;
    if (typeof value === 'object' && value !== null) {
      throw new OperationsError(
        Code.INVALID_ARGUMENT,
        `field ${key} can't be transcoded to ${rule.method} ${rule.path}`,
      );
    }
    rest[key] = value;
  }
  if (rule.body === '*') return { method: rule.method, path, query: '', body: JSON.stringify(rest) };
  const query = Object.keys(rest)
    .map((key) => `${encodeComponent(key)}=${encodeComponent(String(rest[key]))}`)
    .join('&');
  return { method: rule.method, path, query, body: undefined };
}

/**
 * Percent-encodes each `/`-separated segment of a validated name (every byte but A-Z a-z 0-9
 * - _ . ~), keeping the slashes: the whole name encoded, then each `%2F` (only a `/` gives
 * one: a `%` in the name becomes `%25`) turned back into `/`.
 */
export function encodeName(name: string): string {
  return encodeComponent(name).replace(ENCODED_SLASH, '/');
}

const ENCODED_SLASH = /%2F/g;
/** What encodeURIComponent leaves that RFC 3986 reserves (sub-delims). */
const SUB_DELIMS = /[!'()*]/g;

/** Percent-encodes everything but RFC 3986's unreserved characters, as UTF-8. */
export function encodeComponent(text: string): string {
  const encoded = encodeURIComponent(text);
  // Most names have none of these: skip the replace (and its callback) then.
  return encoded.search(SUB_DELIMS) < 0
    ? encoded
    : encoded.replace(SUB_DELIMS, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * The reverse of {@link transcode}'s path binding, for servers: the (decoded, not yet
 * validated) name a request path carries under `rule`, or undefined when the path doesn't
 * have the rule's shape. Segments are decoded one by one; the caller validates the name
 * against `compileRule(rule).template`.
 */
export function matchPath(rule: HttpRule, path: string): string | undefined {
  const { prefix, suffix } = compileRule(rule);
  if (path.length <= prefix.length + suffix.length || !path.startsWith(prefix) || !path.endsWith(suffix)) {
    return undefined;
  }
  try {
    return decodeURIComponent(path.slice(prefix.length, path.length - suffix.length));
  } catch {
    return undefined;
  }
}
