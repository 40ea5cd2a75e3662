/** Parsers of the command's flag values; a bad value is a usage error (exit 2) with a one-line hint. */
import { InvalidArgumentError } from 'commander';

export function port(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 65535) throw new InvalidArgumentError('expected a port number, 0-65535');
  return n;
}

export function count(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 10_000_000) throw new InvalidArgumentError('expected a whole number');
  return n;
}

export function positive(value: string): number {
  const n = count(value);
  if (n === 0) throw new InvalidArgumentError('expected a whole number above 0');
  return n;
}

const UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** `500ms`, `2s`, `1.5m`, `1h` -> milliseconds. */
export function duration(value: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(value.trim());
  const ms = match ? Number(match[1]) * (UNITS[match[2] as string] as number) : NaN;
  if (!(ms > 0) || !Number.isFinite(ms)) throw new InvalidArgumentError('expected a duration such as 500ms, 2s or 1m');
  return ms;
}

/** The APIs of `--api`. */
export const API_NAMES = ['optimization', 'route-optimization', 'generic'] as const;
export type ApiName = (typeof API_NAMES)[number];

/** `--run-for`: a duration, `0` (done at once) or `forever` (Infinity: until cancelled). */
export function runFor(value: string): number {
  const text = value.trim();
  if (text === 'forever') return Infinity;
  if (/^0+(\.0+)?(ms|s|m|h)?$/.test(text)) return 0;
  try {
    return duration(text);
  } catch {
    throw new InvalidArgumentError('expected a duration such as 500ms, 30s or 1m, 0, or forever');
  }
}
