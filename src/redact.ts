/**
 * Redaction by value: a call knows the credential values it sent, so a server that echoes
 * one back (in its message, its details, its trailers) can't get it into the error the
 * caller sees, whatever the credential looks like. The patterns of {@link redact} stay as a
 * second net for what no call sent (an auth library's own text).
 */
import { SECRET_KEYS } from './auth';
import { OperationsError, redact, type ErrorDetail } from './errors';
import type { Metadata } from './transport';

/** What a secret is replaced with. */
export const REDACTED = '[redacted]';

/** No secret: the patterns alone. */
const NONE: readonly string[] = Object.freeze([]);

/**
 * The credential values in a call's metadata (`authorization`, `x-goog-api-key`, `cookie`,
 * `proxy-authorization`), with the forms a server may echo them in: the token without its
 * scheme (`Bearer`, `Basic`), each cookie value, and the percent-encoded form. Longest first,
 * so that a value containing another is removed whole.
 */
export function secretsOf(metadata: Metadata | undefined): readonly string[] {
  if (metadata === undefined) return NONE;
  const found = new Set<string>();
  for (const key of SECRET_KEYS) {
    const value = metadata[key];
    if (value === undefined || value === '') continue;
    found.add(value);
    const scheme = /^\s*[A-Za-z][A-Za-z0-9-]*\s+(\S.*)$/.exec(value);
    if (scheme?.[1] && key !== 'x-goog-api-key') found.add(scheme[1].trim());
    if (key === 'cookie') {
      for (const pair of value.split(';')) {
        const cookie = pair.slice(pair.indexOf('=') + 1).trim();
        if (cookie !== '') found.add(cookie);
      }
    }
  }
  for (const secret of [...found]) {
    const encoded = encodeURIComponent(secret);
    if (encoded !== secret) found.add(encoded);
  }
  return [...found].sort((a, b) => b.length - a.length);
}

/** `text` without any of `secrets`, then without what the patterns catch. */
export function redactText(text: string, secrets: readonly string[]): string {
  let clean = text;
  for (const secret of secrets) if (clean.includes(secret)) clean = clean.split(secret).join(REDACTED);
  return redact(clean);
}

/**
 * The error a caller may see and log: its message, details and cause without any of
 * `secrets` (nor what the patterns catch). The cause becomes a plain copy of longrun's
 * (message, name, code, a grpc-js error's `details` and trailers as text), never the
 * dependency's own object with its raw fields.
 */
export function redactError(error: OperationsError, secrets: readonly string[]): OperationsError {
  return new OperationsError(error.code, redactText(error.rawMessage, secrets), {
    details: error.details.map((detail) => redactValue(detail, secrets, 0) as ErrorDetail),
    cause: error.aborted ? error.cause : safeCause(error.cause, secrets, 0),
    aborted: error.aborted,
    local: error.local,
    retryPushbackMs: error.retryPushbackMs,
  });
}

const MAX_DEPTH = 8;

/** A copy of `value` with every string (and byte string) that holds a secret redacted. */
function redactValue(value: unknown, secrets: readonly string[], depth: number): unknown {
  if (typeof value === 'string') return redactText(value, secrets);
  if (value instanceof Uint8Array) return bytesHoldSecret(value, secrets) ? new Uint8Array(0) : value;
  if (typeof value !== 'object' || value === null || depth > MAX_DEPTH) return value;
  if (Array.isArray(value)) return value.map((item) => redactValue(item, secrets, depth + 1));
  const copy: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) copy[key] = redactValue(item, secrets, depth + 1);
  return copy;
}

/** Bytes (an undecoded detail) in which a secret, or what the patterns catch, appears as UTF-8 or Latin-1 text. */
function bytesHoldSecret(bytes: Uint8Array, secrets: readonly string[]): boolean {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (secrets.some((secret) => buffer.includes(secret, 0, 'utf8'))) return true;
  const latin1 = buffer.toString('latin1');
  return redact(latin1) !== latin1;
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
  if (map) target.metadata = redactValue(map, secrets, 0) as Record<string, string>;
  return copy;
}

/** A grpc-js Metadata (anything with `getMap()`) as a record of strings; binary values as base64. */
function metadataMap(metadata: unknown, secrets: readonly string[]): Record<string, string> | undefined {
  const getMap = (metadata as { getMap?: unknown } | null | undefined)?.getMap;
  if (typeof getMap !== 'function') return undefined;
  const map = getMap.call(metadata) as Record<string, unknown>;
  const record: Record<string, string> = {};
  for (const [key, value] of Object.entries(map)) {
    if (typeof value === 'string') record[key] = value;
    else if (Buffer.isBuffer(value))
      record[key] = bytesHoldSecret(value, secrets) ? REDACTED : value.toString('base64');
  }
  return record;
}
