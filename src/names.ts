/**
 * Operation resource names: validation against an API's name template, parsing and
 * formatting. Validation runs in linear time over the input and builds no regular
 * expression from it.
 */
import { Code, OperationsError, localError } from './errors';

/** Optimization v1's operation names: `projects/{project}/operations/{operation}`. */
export const OPTIMIZATION_V1_TEMPLATE = 'projects/*/operations/*';

/** The longest name longrun sends, in UTF-16 code units. */
export const MAX_NAME_LENGTH = 1024;

/** One segment of a compiled name template: a literal, `*` (`one`) or a final `**` (`rest`). */
export type Segment =
  | {
      /** A literal segment, such as `projects`. */
      kind: 'literal';
      /** The literal's text. */
      text: string;
    }
  | {
      /** `*`: exactly one segment, any text but `/`. */
      kind: 'one';
    }
  | {
      /** `**`, last: one or more segments. */
      kind: 'rest';
    };

/** A compiled name template such as `projects/*\/operations/*` or `operations/**`. */
export interface NameTemplate {
  /** The template as written, e.g. `projects/*\/operations/*`. */
  readonly source: string;
  /** Its `/`-separated segments, compiled. */
  readonly segments: readonly Segment[];
}

const compiled = new Map<string, NameTemplate>();

/** Compiles a template: `/`-separated literals, `*` (one segment) and a final `**` (one or more). */
export function compileTemplate(source: string): NameTemplate {
  const cached = compiled.get(source);
  if (cached) return cached;
  const parts = source.split('/');
  const segments = parts.map((part, i): Segment => {
    if (part === '*') return { kind: 'one' };
    if (part === '**') {
      if (i !== parts.length - 1) throw new TypeError(`name template ${source}: "**" must be the last segment`);
      return { kind: 'rest' };
    }
    if (part === '' || part.includes('*')) throw new TypeError(`name template ${source}: bad segment "${part}"`);
    return { kind: 'literal', text: part };
  });
  const template = { source, segments };
  compiled.set(source, template);
  return template;
}

function invalid(what: string, name: string, problem: string): OperationsError {
  return localError(Code.INVALID_ARGUMENT, `invalid ${what} ${quote(name)}: ${problem}`);
}

/** A short, safe rendering of untrusted input for an error message. */
function quote(text: string): string {
  const shown = text.length > 80 ? `${text.slice(0, 80)}…` : text;
  return JSON.stringify(shown);
}

/**
 * Checks `name` against `template`; returns it unchanged or throws an OperationsError
 * with code INVALID_ARGUMENT that says what is wrong.
 */
export function validateName(name: unknown, template: NameTemplate, what = 'operation name'): string {
  if (typeof name !== 'string') {
    throw localError(Code.INVALID_ARGUMENT, `${what} must be a string, got ${typeof name}`);
  }
  if (name.length === 0) throw localError(Code.INVALID_ARGUMENT, `${what} is empty`);
  if (name.length > MAX_NAME_LENGTH) {
    throw invalid(what, name, `longer than ${MAX_NAME_LENGTH} characters (${name.length})`);
  }
  // No split (this runs on every call): one pass over the characters, counting segments,
  // then one over the segments.
  let count = 1;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c === SLASH) count++;
    else if (c < 0x20 || c === 0x7f) throw invalid(what, name, `control character at position ${i}`);
    else if (c < 0x80) continue;
    else if (isInvisibleControl(c)) throw invalid(what, name, `${describeControl(c)} at position ${i}`);
    else if (c >= 0xd800 && c <= 0xdbff) {
      const next = name.charCodeAt(i + 1);
      if (!(next >= 0xdc00 && next <= 0xdfff)) throw invalid(what, name, `unpaired surrogate at position ${i}`);
      i++;
    } else if (c >= 0xdc00 && c <= 0xdfff) {
      throw invalid(what, name, `unpaired surrogate at position ${i}`);
    }
  }
  const problem = mismatch(name, count, template);
  if (problem !== undefined) throw invalid(what, name, `${problem} (expected ${template.source})`);
  return name;
}

/**
 * Characters that are not C0 controls but change or hide what a log line or a terminal shows:
 * C1 controls (U+0080-U+009F, U+0085 is a line break to some readers), the line and paragraph
 * separators (U+2028, U+2029), and the bidirectional controls (U+061C, U+200E, U+200F,
 * U+202A-U+202E, U+2066-U+2069) that reorder the text around them.
 */
function isInvisibleControl(c: number): boolean {
  if (c <= 0x9f) return true; // called with c >= 0x80
  if (c < 0x061c) return false;
  return c === 0x061c || c === 0x200e || c === 0x200f || (c >= 0x2028 && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);
}

function describeControl(c: number): string {
  const code = `U+${c.toString(16).toUpperCase().padStart(4, '0')}`;
  if (c <= 0x9f) return `control character ${code}`;
  if (c === 0x2028 || c === 0x2029) return `line separator ${code}`;
  return `bidirectional control ${code}`;
}

const SLASH = 0x2f;
const DOT = 0x2e;

/** Why the `count` segments of `name` don't match the template, or undefined when they do. */
function mismatch(name: string, count: number, template: NameTemplate): string | undefined {
  const { segments } = template;
  const last = segments[segments.length - 1];
  const open = last?.kind === 'rest';
  if (open ? count < segments.length : count !== segments.length) {
    return `${count} segment${count === 1 ? '' : 's'}`;
  }
  let start = 0;
  for (let i = 0; i < count; i++) {
    let end = name.indexOf('/', start);
    if (end < 0) end = name.length;
    const length = end - start;
    const segment = segments[Math.min(i, segments.length - 1)] as Segment;
    if (segment.kind === 'literal') {
      if (length !== segment.text.length || !name.startsWith(segment.text, start)) {
        return `segment ${i + 1} must be "${segment.text}"`;
      }
    } else if (length === 0) {
      return `segment ${i + 1} is empty`;
    } else if (
      name.charCodeAt(start) === DOT &&
      (length === 1 || (length === 2 && name.charCodeAt(start + 1) === DOT))
    ) {
      return `segment ${i + 1} is "${name.slice(start, end)}"`;
    }
    start = end + 1;
  }
  return undefined;
}

/** The values of a name's variable segments, in order: `projects/p/operations/o` -> `['p', 'o']`. */
export function nameVariables(name: string, template: NameTemplate): string[] {
  validateName(name, template);
  const parts = name.split('/');
  const values: string[] = [];
  template.segments.forEach((segment, i) => {
    if (segment.kind === 'one') values.push(parts[i] as string);
    if (segment.kind === 'rest') values.push(parts.slice(i).join('/'));
  });
  return values;
}

/** `operationName('demo', 'op-1')` -> `projects/demo/operations/op-1` (Optimization v1), validated. */
export function operationName(project: string, operation: string): string {
  return validateName(`projects/${project}/operations/${operation}`, compileTemplate(OPTIMIZATION_V1_TEMPLATE));
}
