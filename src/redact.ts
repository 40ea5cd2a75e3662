/**
 * Redaction by value: a call knows the credential values it sent, so a server that echoes
 * one back (in its message, its details, its trailers) can't get it into the error the
 * caller sees, whatever the credential looks like. The patterns of {@link redact} stay as a
 * second net for what no call sent (an auth library's own text).
 */
import { SECRET_KEYS } from './auth';
import { OperationsError, redact, sourceMessage, type ErrorDetail } from './errors';
import type { Any, Operation, Status } from './proto';
import type { Metadata } from './transport';

/** What a secret is replaced with. */
export const REDACTED = '[redacted]';

/** No secret: the patterns alone. */
const NONE: readonly string[] = Object.freeze([]);

/**
 * The shortest value searched for by value: shorter ones are not credentials (a cookie such as
 * `lang=en`, a one-letter test token), and removing them everywhere would wreck every message
 * (`g[redacted]gleapis.c[redacted]m`). The patterns of {@link redact} still run.
 */
export const MIN_SECRET_LENGTH = 8;

/**
 * The credential values in a call's metadata (`authorization`, `x-goog-api-key`, `cookie`,
 * `proxy-authorization`, `x-goog-iam-authorization-token`), with the forms a server may echo
 * them in: the token without its scheme (`Bearer`, `Basic`), each cookie value, and each of
 * those in base64 (standard and URL-safe, padded or not) and hex (either case). Values shorter
 * than {@link MIN_SECRET_LENGTH} are left out. Longest first, so that a value containing
 * another is removed whole. (Percent-encoded forms are matched by {@link redactText}.)
 */
export function secretsOf(metadata: Metadata | undefined, keys: readonly string[] = SECRET_KEYS): readonly string[] {
  if (metadata === undefined) return NONE;
  let sent = '';
  for (const key of keys) {
    const value = metadata[key];
    if (value !== undefined && value !== '') sent += `${key}\n${value}\n`;
  }
  if (sent === '') return NONE;
  // Every call of a client sends the same credentials: their forms are worked out once.
  if (last?.sent === sent) return last.secrets;
  const secrets = findSecrets(metadata, keys);
  last = { sent, secrets };
  return secrets;
}

/** The credentials of the last {@link secretsOf} and their forms. */
let last: { readonly sent: string; readonly secrets: readonly string[] } | undefined;

function findSecrets(metadata: Metadata, keys: readonly string[]): readonly string[] {
  const values = new Set<string>();
  for (const key of keys) {
    const value = metadata[key];
    if (value === undefined || value === '') continue;
    values.add(value);
    const scheme = /^\s*[A-Za-z][A-Za-z0-9-]*\s+(\S.*)$/.exec(value);
    if (scheme?.[1] && key !== 'x-goog-api-key') values.add(scheme[1].trim());
    if (key === 'cookie') {
      for (const pair of value.split(';')) {
        const cookie = pair.slice(pair.indexOf('=') + 1).trim();
        if (cookie !== '') values.add(cookie);
      }
    }
  }
  const found = new Set<string>();
  for (const value of values) {
    if (value.length < MIN_SECRET_LENGTH) continue;
    found.add(value);
    for (const encoded of encodings(value)) found.add(encoded);
  }
  return found.size === 0 ? NONE : Object.freeze([...found].sort((a, b) => b.length - a.length));
}

/** `value` in base64 (standard and URL-safe, with and without padding) and hex (lower and upper case). */
function encodings(value: string): string[] {
  const bytes = Buffer.from(value, 'utf8');
  const base64 = bytes.toString('base64');
  const hex = bytes.toString('hex');
  return [base64, base64.replace(/=+$/, ''), bytes.toString('base64url'), hex, hex.toUpperCase()];
}

/**
 * A pattern of `secret` in which any ASCII character may also be percent-encoded, in either
 * case of hex (`/`, `%2F`, `%2f`): servers and proxies echo what they received encoded by
 * many rules (`encodeURIComponent`, RFC 3986, form encoding), and gRPC's status message is
 * decoded by grpc-js with `decodeURI`, which leaves some of them encoded. Built from the
 * caller's own credential, never from server text; alternatives of fixed length, so matching
 * is linear.
 */
function secretPattern(secret: string): RegExp {
  let source = '';
  for (const ch of secret) {
    const code = ch.codePointAt(0) as number;
    const literal = ch.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');
    if (code >= 0x80) {
      source += literal;
      continue;
    }
    const hex = code
      .toString(16)
      .padStart(2, '0')
      .replace(/[a-f]/g, (d) => `[${d}${d.toUpperCase()}]`);
    source += `(?:${literal}|%${hex}${ch === ' ' ? '|\\+' : ''})`;
  }
  return new RegExp(source, 'g');
}

/**
 * `text` without any of `secrets` (in any percent-encoding), then (unless `patterns` is false)
 * without what the patterns catch.
 */
export function redactText(text: string, secrets: readonly string[], patterns = true): string {
  let clean = text;
  for (const secret of secrets) {
    if (clean.includes(secret)) clean = clean.split(secret).join(REDACTED);
    if (clean.includes('%') || clean.includes('+')) clean = clean.replace(secretPattern(secret), REDACTED);
  }
  return patterns ? redact(clean) : clean;
}

/**
 * The error a caller may see and log: its message, details and cause without any of
 * `secrets` (nor what the patterns catch). The cause becomes a plain copy of longrun's
 * (message, name, code, a grpc-js error's `details` and trailers as text), never the
 * dependency's own object with its raw fields.
 */
export function redactError(error: OperationsError, secrets: readonly string[]): OperationsError {
  return new OperationsError(error.code, redactText(sourceMessage(error), secrets), {
    details: error.details.map((detail) => redactValue(detail, secrets, 0) as ErrorDetail),
    cause: error.aborted ? error.cause : safeCause(error.cause, secrets, 0),
    aborted: error.aborted,
    local: error.local,
    retryPushbackMs: error.retryPushbackMs,
  });
}

/** How deep {@link redactValue} walks a value; what lies deeper is dropped, never kept unredacted. */
const MAX_DEPTH = 8;

/** A copy of `value` with every string (keys too) and byte string that holds a secret redacted. */
function redactValue(value: unknown, secrets: readonly string[], depth: number): unknown {
  if (typeof value === 'string') return redactText(value, secrets);
  if (value instanceof Uint8Array) return bytesHoldSecret(value, secrets) ? new Uint8Array(0) : value;
  if (typeof value !== 'object' || value === null) return value;
  if (depth > MAX_DEPTH) return REDACTED;
  if (Array.isArray(value)) return value.map((item) => redactValue(item, secrets, depth + 1));
  const copy: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    copy[redactText(key, secrets)] = redactValue(item, secrets, depth + 1);
  }
  return copy;
}

/**
 * `response` with every operation it holds (an Operation, or each of a page's) redacted by
 * value as a call's error is: a server may echo the caller's credential into an operation's
 * error, its metadata or its response. The error's message and details are redacted (by value
 * and by the patterns); a packed metadata or response whose bytes hold a credential the call
 * sent is emptied (its type kept), its JSON form (a type longrun doesn't know, over REST)
 * redacted. Nothing is copied when there is nothing to redact.
 */
export function redactOperations<R extends object>(
  response: R,
  metadata: Metadata | undefined,
  keys: readonly string[] = SECRET_KEYS,
): R {
  if (isOperation(response)) return redactOperation(response, secretsOf(metadata, keys));
  if (hasOperations(response) && response.operations.length > 0) {
    const secrets = secretsOf(metadata, keys);
    const operations = response.operations.map((operation) => redactOperation(operation, secrets));
    return operations.every((operation, i) => operation === response.operations[i])
      ? response
      : { ...response, operations };
  }
  return response;
}

function isOperation(value: object): value is Operation {
  return 'done' in value && typeof (value as { name?: unknown }).name === 'string';
}

function hasOperations(value: object): value is { operations: Operation[] } {
  return Array.isArray((value as { operations?: unknown }).operations);
}

function redactOperation<O extends Operation>(operation: O, secrets: readonly string[]): O {
  const error = operation.error && redactStatus(operation.error, secrets);
  const metadata = operation.metadata && redactAny(operation.metadata, secrets);
  const response = operation.response && redactAny(operation.response, secrets);
  if (error === operation.error && metadata === operation.metadata && response === operation.response) return operation;
  return { ...operation, error, metadata, response };
}

/** A Status with its message and details redacted. */
function redactStatus(status: Status, secrets: readonly string[]): Status {
  return {
    code: status.code,
    message: redactText(status.message, secrets),
    details: status.details.map((detail) => {
      const value = bytesHoldSecret(detail.value, secrets) ? Buffer.alloc(0) : detail.value;
      const json = detail.json && (redactValue(detail.json, secrets, 0) as Readonly<Record<string, unknown>>);
      return { typeUrl: redactText(detail.typeUrl, secrets), value, ...(json && { json }) };
    }),
  };
}

/** `any` emptied when its bytes hold one of `secrets`, its JSON form redacted; itself when neither applies. */
function redactAny(any: Any, secrets: readonly string[]): Any {
  if (secrets.length === 0) return any;
  const leaks = holdsSecret(Buffer.from(any.value.buffer, any.value.byteOffset, any.value.byteLength), secrets);
  const json = any.json && (redactValue(any.json, secrets, 0) as Readonly<Record<string, unknown>>);
  if (!leaks && json === undefined) return any;
  return { ...any, ...(leaks && { value: Buffer.alloc(0) }), ...(json && { json }) };
}

/** Whether `bytes`, read as text, hold one of `secrets` (in any percent-encoding); by value only, no patterns. */
function holdsSecret(bytes: Buffer, secrets: readonly string[]): boolean {
  const text = bytes.toString('latin1');
  return secrets.some((secret) => text.includes(secret)) || redactText(text, secrets, false) !== text;
}

/** Bytes (an undecoded detail, a binary trailer) in which a secret, or what the patterns catch, appears as text. */
function bytesHoldSecret(bytes: Uint8Array, secrets: readonly string[]): boolean {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  return redactText(text, secrets) !== text;
}

/** A plain Error standing for `cause`, its text redacted; undefined stays undefined. */
function safeCause(cause: unknown, secrets: readonly string[], depth: number): unknown {
  if (cause === undefined) return undefined;
  if (!(cause instanceof Error)) return new Error(redactText(String(cause), secrets));
  if (cause instanceof OperationsError) return redactError(cause, secrets);
  const copy = new Error(
    redactText(cause.message, secrets),
    cause.cause === undefined || depth >= 3 ? undefined : { cause: safeCause(cause.cause, secrets, depth + 1) },
  );
  copy.name = cause.name;
  const fields = cause as Error & { code?: unknown; details?: unknown; metadata?: unknown };
  const target = copy as Error & { code?: unknown; details?: string; metadata?: Record<string, string> };
  if (typeof fields.code === 'string' || typeof fields.code === 'number') target.code = fields.code;
  if (typeof fields.details === 'string') target.details = redactText(fields.details, secrets);
  const map = metadataMap(fields.metadata, secrets);
  if (map) target.metadata = map;
  return copy;
}

/**
 * A grpc-js Metadata (anything with `getMap()`) as a record of redacted strings, names
 * included; binary values as base64 unless they hold a secret. `grpc-status-details-bin` is
 * left out: the error's `details` are its decoded, redacted form.
 */
function metadataMap(metadata: unknown, secrets: readonly string[]): Record<string, string> | undefined {
  const getMap = (metadata as { getMap?: unknown } | null | undefined)?.getMap;
  if (typeof getMap !== 'function') return undefined;
  const map = getMap.call(metadata) as Record<string, unknown>;
  const record: Record<string, string> = {};
  for (const [key, value] of Object.entries(map)) {
    if (key === 'grpc-status-details-bin') continue;
    const name = redactText(key, secrets);
    if (typeof value === 'string') record[name] = redactText(value, secrets);
    else if (Buffer.isBuffer(value))
      record[name] = bytesHoldSecret(value, secrets) ? REDACTED : value.toString('base64');
  }
  return record;
}
