/**
 * Redaction by value: a call knows the credential values it sent, so a server that echoes
 * one back (in its message, its details, its trailers) can't get it into the error the
 * caller sees, whatever the credential looks like. The patterns of {@link redact} stay as a
 * second net for what no call sent (an auth library's own text).
 */
import { SECRET_KEYS } from './auth';
import { OperationsError, redact, sourceMessage, type ErrorDetail } from './errors';
import type { Metadata } from './transport';

/** What a secret is replaced with. */
export const REDACTED = '[redacted]';

/** No secret: the patterns alone. */
const NONE: readonly string[] = Object.freeze([]);

/**
 * The credential values in a call's metadata (`authorization`, `x-goog-api-key`, `cookie`,
 * `proxy-authorization`), with the forms a server may echo them in: the token without its
 * scheme (`Bearer`, `Basic`) and each cookie value. Longest first, so that a value containing
 * another is removed whole. (Percent-encoded forms are matched by {@link redactText}.)
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
  return [...found].sort((a, b) => b.length - a.length);
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

/** `text` without any of `secrets` (in any percent-encoding), then without what the patterns catch. */
export function redactText(text: string, secrets: readonly string[]): string {
  let clean = text;
  for (const secret of secrets) {
    if (clean.includes(secret)) clean = clean.split(secret).join(REDACTED);
    if (clean.includes('%') || clean.includes('+')) clean = clean.replace(secretPattern(secret), REDACTED);
  }
  return redact(clean);
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

const MAX_DEPTH = 8;

/** A copy of `value` with every string (keys too) and byte string that holds a secret redacted. */
function redactValue(value: unknown, secrets: readonly string[], depth: number): unknown {
  if (typeof value === 'string') return redactText(value, secrets);
  if (value instanceof Uint8Array) return bytesHoldSecret(value, secrets) ? new Uint8Array(0) : value;
  if (typeof value !== 'object' || value === null || depth > MAX_DEPTH) return value;
  if (Array.isArray(value)) return value.map((item) => redactValue(item, secrets, depth + 1));
  const copy: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    copy[redactText(key, secrets)] = redactValue(item, secrets, depth + 1);
  }
  return copy;
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
