/**
 * The emulator's REST face: a node:http server routing by the same HTTP rule table the
 * client transcodes with (and the API's long-running methods by their own HTTP rules),
 * answering proto3 JSON and Google-style JSON errors.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as https from 'node:https';
import { codeName, httpStatusFromCode } from '../errors';
import { compileRule, matchPath, type HttpRules } from '../http-rules';
import { listResponseToJson, operationToJson, statusToJson, type JsonWriteOptions } from '../json';
import { validateName } from '../names';
import type { ListOperationsResponse, MethodKey, Operation, Status, TypeRegistry } from '../proto';
import { matchApiPath, type Api } from './api';
import type { Answer, OperationsHandler } from './service';

/** The Operations methods' request bodies are tiny (`{}` at most); anything longer is refused. */
const MAX_REQUEST_BODY = 64 * 1024;

/** An API method's body carries a whole model: as much as a gRPC message may be by default. */
const MAX_API_REQUEST_BODY = 4 * 1024 * 1024;

interface Route {
  readonly method: MethodKey;
  readonly name: string;
  /** The name fits the rule's template (a route that only has the rule's shape is a fallback). */
  readonly valid: boolean;
}

/** The routes the emulator serves, in the order tried. ListOperations answers GET and POST alike. */
function route(rules: HttpRules, verb: string, path: string): Route | undefined {
  let fallback: Route | undefined;
  for (const method of ['cancelOperation', 'getOperation', 'deleteOperation', 'listOperations'] as const) {
    const rule = rules[method];
    if (!rule) continue;
    const verbs = method === 'listOperations' ? ['GET', 'POST'] : [rule.method];
    if (!verbs.includes(verb)) continue;
    const name = matchPath(rule, path);
    if (name === undefined) continue;
    let valid = true;
    try {
      validateName(name, compileRule(rule).template);
    } catch {
      valid = false;
    }
    if (valid) return { method, name, valid };
    fallback ??= { method, name, valid };
  }
  return fallback;
}

export function createHttpFace(
  handler: OperationsHandler,
  rules: HttpRules,
  types: TypeRegistry,
  tls?: { readonly cert: Buffer | string; readonly key: Buffer | string },
  api?: Api,
  allowedHosts: readonly string[] = [],
): http.Server {
  const allowed = allowedHosts.map((host) => host.toLowerCase());
  const listener = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    void serve(req, res).catch(() => {
      if (!res.headersSent)
        sendJson(res, 500, errorJson({ code: 13, message: 'emulator failure', details: [] }, types));
      else res.destroy();
    });
  };
  const server = tls ? https.createServer({ cert: tls.cert, key: tls.key }, listener) : http.createServer(listener);
  return server;

  async function serve(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const refusal = foreignRequest(req, server.address(), allowed);
    if (refusal !== undefined) {
      await drain(req);
      return sendStatus(res, { code: 7, message: refusal, details: [] });
    }
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const query = new URLSearchParams(q < 0 ? '' : url.slice(q + 1));
    const written = jsonOptions(query);
    const apiCall = api && matchApiPath(api, req.method ?? 'GET', path);
    if (apiCall) return serveApi(req, res, apiCall, written);
    const found = route(rules, req.method ?? 'GET', path);
    if (!found) {
      // What Google's front end answers for a path no API serves.
      await drain(req);
      res.writeHead(404, { 'content-type': 'text/html; charset=UTF-8' });
      res.end(
        `<!DOCTYPE html><html><body><p>The requested URL <code>${escapeHtml(path)}</code> was not found on this server.</p></body></html>`,
      );
      return;
    }
    const body = await readRequestBody(req);
    if (body === undefined) {
      return sendStatus(res, { code: 3, message: 'request body too large or not JSON', details: [] });
    }
    const { signal, headers, deadline } = callContext(req, res);
    const request: Record<string, unknown> = { name: found.name };
    if (found.method === 'listOperations') {
      request['filter'] = query.get('filter') ?? '';
      request['pageSize'] = Number(query.get('pageSize') ?? 0) || 0;
      request['pageToken'] = query.get('pageToken') ?? '';
      request['returnPartialSuccess'] = query.get('returnPartialSuccess') === 'true';
    }
    const outcome = await handler.handle(found.method, request as never, {
      transport: 'rest',
      headers,
      signal,
      deadline,
    });
    if (signal.aborted) return;
    if ('status' in outcome) return sendFailure(res, outcome, written);
    const response = outcome.response;
    if (found.method === 'getOperation' || found.method === 'waitOperation') {
      sendJson(res, 200, operationToJson(response as Operation, types, written));
    } else if (found.method === 'listOperations') {
      sendJson(res, 200, listResponseToJson(response as ListOperationsResponse, types, written));
    } else {
      sendJson(res, 200, {});
    }
  }

  /** An API's long-running method: the parent from the path, the rest of the request from the JSON body. */
  async function serveApi(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    { method, parent }: NonNullable<ReturnType<typeof matchApiPath>>,
    written: JsonWriteOptions,
  ): Promise<void> {
    const body = await readRequestBody(req, MAX_API_REQUEST_BODY);
    if (body === undefined || typeof body !== 'object' || body === null || Array.isArray(body)) {
      return sendStatus(res, { code: 3, message: 'request body too large or not a JSON object', details: [] });
    }
    const { label } = body as Record<string, unknown>;
    const { signal, headers, deadline } = callContext(req, res);
    const outcome = await handler.start(
      method,
      { parent, label: typeof label === 'string' ? label : undefined },
      { transport: 'rest', headers, signal, deadline },
    );
    if (signal.aborted) return;
    if ('status' in outcome) return sendFailure(res, outcome, written);
    sendJson(res, 200, operationToJson(outcome.response, types, written));
  }

  function sendFailure(
    res: http.ServerResponse,
    outcome: Extract<Answer<unknown>, { status: Status }>,
    written: JsonWriteOptions,
  ): void {
    if (outcome.pushback !== undefined) res.setHeader('retry-after', outcome.pushback);
    sendStatus(res, outcome.status, written);
  }

  function sendStatus(res: http.ServerResponse, status: Status, written: JsonWriteOptions = {}): void {
    sendJson(res, httpStatusFromCode(status.code), errorJson(status, types, written));
  }
}

/**
 * Why a request a web page could have made is refused (PERMISSION_DENIED, 403, as local
 * development servers answer against DNS rebinding), or undefined: an `Origin` other than the
 * emulator's own address (a browser's cross-site request), or a `Host` that isn't the address
 * it listens on, under any loopback name (a rebound DNS name). Bound to every interface
 * (`--host 0.0.0.0`), it takes any Host (it was put on the network on purpose), never a
 * foreign Origin. Clients other than browsers send no Origin. `allowed` adds names (the
 * emulator's `allowedHosts`).
 */
function foreignRequest(
  req: http.IncomingMessage,
  bound: AddressInfo | string | null,
  allowed: readonly string[],
): string | undefined {
  if (bound === null || typeof bound === 'string') return undefined;
  const own = new Set([`127.0.0.1:${bound.port}`, `localhost:${bound.port}`, `[::1]:${bound.port}`]);
  own.add(`${bound.family === 'IPv6' ? `[${bound.address}]` : bound.address}:${bound.port}`);
  for (const host of allowed) {
    own.add(host);
    own.add(`${host}:${bound.port}`);
  }
  const { origin, host } = req.headers;
  if (origin !== undefined) {
    let originHost: string | undefined;
    try {
      originHost = new URL(origin).host.toLowerCase();
    } catch {
      originHost = undefined;
    }
    if (originHost === undefined || !own.has(originHost)) return 'cross-origin requests are refused';
  }
  const anywhere = bound.address === '0.0.0.0' || bound.address === '::';
  if (host !== undefined && !anywhere && !own.has(host.toLowerCase())) {
    return 'the Host header names another server than this emulator';
  }
  return undefined;
}

/** The request's headers, its deadline (`x-server-timeout`), and a signal that aborts when the client goes away. */
function callContext(
  req: http.IncomingMessage,
  res: http.ServerResponse,
): { signal: AbortSignal; headers: Record<string, string>; deadline: number | undefined } {
  const controller = new AbortController();
  res.once('close', () => {
    if (!res.writableFinished) controller.abort();
  });
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(req.headers)) if (typeof value === 'string') headers[key] = value;
  const serverTimeout = Number(headers['x-server-timeout']);
  return {
    signal: controller.signal,
    headers,
    deadline: serverTimeout > 0 ? Date.now() + serverTimeout * 1000 : undefined,
  };
}

/** Google's JSON error body: `{"error": {"code": <http>, "message", "status": "<CODE>", "details"}}`. */
/**
 * How to write this request's answer: Google's system parameter `$alt=json;enum-encoding=int`
 * (what google-gax's REST fallback sends) asks for enum values as numbers.
 */
function jsonOptions(query: URLSearchParams): JsonWriteOptions {
  const alt = (query.get('$alt') ?? '')
    .toLowerCase()
    .split(';')
    .map((part) => part.trim());
  return alt.includes('enum-encoding=int') ? { enumAsInteger: true } : {};
}

function errorJson(status: Status, types: TypeRegistry, written: JsonWriteOptions = {}): unknown {
  const { details } = statusToJson(status, types, written);
  return {
    error: {
      code: httpStatusFromCode(status.code),
      message: status.message,
      status: codeName(status.code),
      ...(details === undefined ? {} : { details }),
    },
  };
}

function sendJson(res: http.ServerResponse, status: number, json: unknown): void {
  const body = JSON.stringify(json);
  res.writeHead(status, {
    'content-type': 'application/json; charset=UTF-8',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}

/** The request's body parsed as JSON ({} when empty), or undefined when too large or not JSON. */
async function readRequestBody(req: http.IncomingMessage, limit = MAX_REQUEST_BODY): Promise<unknown> {
  let text = '';
  for await (const chunk of req as AsyncIterable<Buffer>) {
    text += chunk.toString('utf8');
    if (text.length > limit) return undefined;
  }
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

async function drain(req: http.IncomingMessage): Promise<void> {
  for await (const chunk of req as AsyncIterable<Buffer>) void chunk;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
