/**
 * Property tests of operation names: validateName against the templates longrun uses, and
 * the AIP-127 path binding of transcode with its server-side reverse, matchPath.
 *
 * 10,000 generated inputs in all (the numRuns below add up to it): valid names of every
 * shape, malformed ones built to be invalid in one known way, a token soup checked against
 * an independent reference, names at the length cap, and hostile megabyte inputs.
 */
import * as fc from 'fast-check';
import { Code, OperationsError } from '../../src/errors';
import {
  GENERIC_RULES,
  OPTIMIZATION_V1_RULES,
  ROUTE_OPTIMIZATION_V1_RULES,
  compileRule,
  matchPath,
  transcode,
  type HttpRule,
  type HttpRules,
  type TranscodableRequest,
} from '../../src/http-rules';
import { MAX_NAME_LENGTH, compileTemplate, validateName, type NameTemplate } from '../../src/names';

// ---------------------------------------------------------------------------------------------
// Templates, as the rule tables give them, and an independent reference of validity.

interface Shape {
  readonly label: string;
  readonly template: NameTemplate;
  readonly rules: HttpRules;
  /** The template's segments: a literal, `*` (one segment) or `**` (one or more, last only). */
  readonly segments: readonly string[];
  /** How fast-check shows a shape in a counterexample. */
  readonly [fc.toStringMethod]: () => string;
}

const OPTIMIZATION: Shape = {
  label: 'projects/*/operations/*',
  [fc.toStringMethod]: () => 'shape projects/*/operations/*',
  template: compileTemplate('projects/*/operations/*'),
  rules: OPTIMIZATION_V1_RULES,
  segments: ['projects', '*', 'operations', '*'],
};
const ROUTE: Shape = {
  label: 'projects/*/locations/*/operations/*',
  [fc.toStringMethod]: () => 'shape projects/*/locations/*/operations/*',
  template: compileTemplate('projects/*/locations/*/operations/*'),
  rules: ROUTE_OPTIMIZATION_V1_RULES,
  segments: ['projects', '*', 'locations', '*', 'operations', '*'],
};
const GENERIC: Shape = {
  label: 'operations/**',
  [fc.toStringMethod]: () => 'shape operations/**',
  template: compileTemplate('operations/**'),
  rules: GENERIC_RULES,
  segments: ['operations', '**'],
};
const SHAPES = [OPTIMIZATION, ROUTE, GENERIC] as const;

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/;
/** In `u` mode a surrogate class matches only a surrogate that is not half of a pair. */
const LONE_SURROGATE = /[\ud800-\udfff]/u;

/** What validateName should say, computed without longrun's code: valid or not. */
function referenceValid(name: string, shape: Shape): boolean {
  if (name.length === 0 || name.length > MAX_NAME_LENGTH) return false;
  if (CONTROL.test(name) || LONE_SURROGATE.test(name)) return false;
  const parts = name.split('/');
  const { segments } = shape;
  const open = segments[segments.length - 1] === '**';
  if (open ? parts.length < segments.length : parts.length !== segments.length) return false;
  return parts.every((part, i) => {
    const segment = segments[Math.min(i, segments.length - 1)];
    if (segment !== '*' && segment !== '**') return part === segment;
    return part !== '' && part !== '.' && part !== '..';
  });
}

// ---------------------------------------------------------------------------------------------
// Assertions: plain checks rather than expect() in the hot loops (tens of thousands per file);
// fast-check reports the failing input with the message.

function check(condition: boolean, what: string): void {
  if (!condition) throw new Error(what);
}

function same(actual: unknown, expected: unknown, what: string): void {
  if (!Object.is(actual, expected)) {
    throw new Error(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
  }
}

/**
 * A clean message: no C0/DEL/C1 control character, no lone surrogate, bounded. The input is
 * echoed as JSON of at most 80 code units, and JSON escapes a control character or a lone
 * surrogate as six characters: the bound is 6 * 80 plus the text around it.
 */
function expectCleanMessage(message: string): void {
  check(!CONTROL.test(message), `control character in ${JSON.stringify(message)}`);
  check(!LONE_SURROGATE.test(message), `lone surrogate in ${JSON.stringify(message)}`);
  check(message.length < 600, `message of ${message.length} characters`);
}

/** `run` throws an OperationsError with INVALID_ARGUMENT, local, with a clean message; nothing else. */
function expectInvalidArgument(run: () => unknown): void {
  let thrown: unknown;
  try {
    run();
  } catch (error) {
    thrown = error;
  }
  if (!(thrown instanceof OperationsError)) {
    throw new Error(`expected an OperationsError, got ${thrown === undefined ? 'no error' : String(thrown)}`, {
      cause: thrown,
    });
  }
  same(thrown.code, Code.INVALID_ARGUMENT, 'code');
  same(thrown.local, true, 'local');
  check(thrown.message.startsWith('INVALID_ARGUMENT: '), `message ${JSON.stringify(thrown.message)}`);
  expectCleanMessage(thrown.message);
}

// ---------------------------------------------------------------------------------------------
// Arbitraries.

/** Characters a name segment may carry that are worth having often: reserved, delimiters, '%'. */
const SPECIAL = [...'%?#:!*\'()+&=@$,;[]{}|\\^`"<> ~-_.'];
/** Unicode worth having often: emoji (ZWJ, modifiers, flags), combining marks, C1, BOM, non-characters. */
const FANCY = [
  '😀',
  '👍🏽',
  '🇫🇷',
  '👨‍👩‍👧',
  'é',
  'e\u0301',
  '中文',
  'ß',
  '\u00a0',
  '\u0080',
  '\u0085',
  '\u009f',
  '\u200b',
  '\u2028',
  '\u202e',
  '\ufeff',
  '\ufffd',
  '\ufffe',
  '\uffff',
  '\u{10000}',
  '\u{10ffff}',
  '%2F',
  '%00',
  '%',
  '%%',
  '%zz',
];

/** Makes one generated unit usable in a valid segment: '/' and control characters become '_'. */
function validChars(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[/\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/g, '_');
}

const validUnit: fc.Arbitrary<string> = fc
  .oneof(
    { weight: 4, arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 1 }) },
    { weight: 3, arbitrary: fc.constantFrom(...SPECIAL) },
    { weight: 2, arbitrary: fc.constantFrom(...FANCY) },
    { weight: 2, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }) },
    { weight: 2, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary-ascii', minLength: 1, maxLength: 1 }) },
  )
  .map(validChars);

/** A valid variable segment: never empty, never '.' or '..', no '/', control character or lone surrogate. */
const validSegment: fc.Arbitrary<string> = fc
  .oneof(
    { weight: 8, arbitrary: fc.string({ unit: validUnit, minLength: 1, maxLength: 24 }) },
    {
      weight: 1,
      arbitrary: fc.constantFrom('...', '.hidden', '..a', 'a..', '. ', ' .', '.%2E', 'projects', 'operations'),
    },
    { weight: 1, arbitrary: fc.constantFrom('p', 'o', 'my-project', '3423bcd8-1234', 'a b', ' ', '~') },
  )
  .map((segment) => (segment === '.' || segment === '..' ? `${segment}x` : segment));

/** The parts of a valid name of `shape` (before the length cap is checked). */
function validParts(shape: Shape): fc.Arbitrary<string[]> {
  return fc
    .tuple(
      ...shape.segments.map((s) =>
        s === '**'
          ? fc.array(validSegment, { minLength: 1, maxLength: 6 })
          : s === '*'
            ? validSegment.map((v) => [v])
            : fc.constant([s]),
      ),
    )
    .map((groups) => groups.flat());
}

function validName(shape: Shape): fc.Arbitrary<string> {
  return validParts(shape)
    .map((parts) => parts.join('/'))
    .filter((name) => name.length <= MAX_NAME_LENGTH);
}

const anyValidName: fc.Arbitrary<{ shape: Shape; name: string }> = fc.oneof(
  ...SHAPES.map((shape) => validName(shape).map((name) => ({ shape, name }))),
);

/** Inserts `text` at a position of `name` chosen by `at` (0..1). */
function insertAt(name: string, text: string, at: number): string {
  const i = Math.min(name.length, Math.floor(at * (name.length + 1)));
  return name.slice(0, i) + text + name.slice(i);
}

const position = fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true });

/** Replaces part `index` (modulo the count) of `parts`. */
function replacePart(parts: readonly string[], index: number, value: string): string[] {
  const copy = [...parts];
  copy[index % copy.length] = value;
  return copy;
}

/** Indexes of the parts of a valid name of `shape` that fill a `*` or `**` of its template. */
function variableIndexes(shape: Shape, parts: readonly string[]): number[] {
  return parts
    .map((_, i) => i)
    .filter((i) => {
      const segment = shape.segments[Math.min(i, shape.segments.length - 1)];
      return segment === '*' || segment === '**';
    });
}

/** An invalid name of one known kind, built from a valid one, for any shape. */
interface Invalid {
  readonly shape: Shape;
  readonly kind: string;
  readonly name: string;
}

function invalidName(shape: Shape): fc.Arbitrary<Invalid> {
  const parts = validParts(shape);
  const make = (kind: string, arb: fc.Arbitrary<string>): fc.Arbitrary<Invalid> =>
    arb.map((name) => ({ shape, kind, name }));
  const literalIndexes = shape.segments.map((s, i) => (s === '*' || s === '**' ? -1 : i)).filter((i) => i >= 0);
  const minParts = shape.segments.length;
  const open = shape.segments[shape.segments.length - 1] === '**';
  return fc.oneof(
    // Too few segments (and, for a closed template, too many).
    make(
      'segment count',
      fc
        .tuple(parts, fc.nat(), fc.array(validSegment, { minLength: 1, maxLength: 3 }), fc.boolean())
        .map(([p, n, extra, more]) =>
          more && !open ? [...p, ...extra].join('/') : p.slice(0, n % minParts).join('/'),
        ),
    ),
    make(
      'segment count (any list)',
      fc
        .array(fc.oneof(validSegment, fc.constantFrom('projects', 'operations', 'locations')), {
          maxLength: 9,
        })
        .filter((list) => (open ? list.length < minParts : list.length !== minParts))
        .map((list) => list.join('/')),
    ),
    make(
      'empty segment',
      fc.tuple(parts, fc.nat()).map(([p, n]) => {
        const vars = variableIndexes(shape, p);
        return replacePart(p, vars[n % vars.length] as number, '').join('/');
      }),
    ),
    make(
      'leading or trailing slash',
      fc.tuple(parts, fc.boolean()).map(([p, lead]) => (lead ? `/${p.join('/')}` : `${p.join('/')}/`)),
    ),
    make(
      "'.' or '..' segment",
      fc.tuple(parts, fc.nat(), fc.constantFrom('.', '..')).map(([p, n, dots]) => {
        const vars = variableIndexes(shape, p);
        return replacePart(p, vars[n % vars.length] as number, dots).join('/');
      }),
    ),
    make(
      'literal mismatch',
      fc
        .tuple(
          parts,
          fc.nat(),
          fc.oneof(
            validSegment,
            fc.constantFrom('Projects', 'project', 'projects ', ' projects', 'PROJECTS', 'operation', 'Operations'),
            fc.constantFrom('%70rojects', 'projects%20', 'locations', 'jobs', 'folders', '*', '**'),
          ),
        )
        .map(([p, n, other]) => {
          const index = literalIndexes[n % literalIndexes.length] as number;
          const literal = p[index] as string;
          return replacePart(p, index, other === literal ? `${other}x` : other).join('/');
        }),
    ),
    make(
      'control character',
      fc
        .tuple(
          validName(shape),
          fc
            .oneof(
              fc.integer({ min: 0, max: 0x1f }),
              fc.integer({ min: 0x7f, max: 0x9f }),
              fc.constantFrom(0x061c, 0x200e, 0x200f, 0x2028, 0x2029, 0x202a, 0x202e, 0x2066, 0x2069),
            )
            .map((c) => String.fromCharCode(c)),
          position,
        )
        .map(([name, c, at]) => insertAt(name, c, at)),
    ),
    make(
      'lone surrogate',
      fc
        .tuple(validName(shape), fc.integer({ min: 0xd800, max: 0xdfff }), position)
        .map(([name, c, at]) => insertAt(name, String.fromCharCode(c), at)),
    ),
    make(
      'too long',
      fc
        .tuple(validName(shape), fc.integer({ min: 1, max: 4000 }), fc.constantFrom('x', '😀', '%', ' '))
        .map(
          ([name, over, filler]) =>
            name + filler.repeat(Math.ceil((MAX_NAME_LENGTH - name.length + over) / filler.length)),
        ),
    ),
  );
}

const anyInvalidName: fc.Arbitrary<Invalid> = fc.oneof(...SHAPES.map(invalidName));

/**
 * A token soup: the pieces names are made of, mostly harmless, sometimes a '/', a dot
 * segment, a control character, half a surrogate pair or a long run, so that about half the
 * names built from it are valid and the other half invalid in every way at once.
 */
const soupToken: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 30,
    arbitrary: fc.constantFrom('p', 'o', 'l', 'a b', '%2F', '😀', '...', ':cancel', 'projects', 'operations'),
  },
  { weight: 20, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 3 }).map(validChars) },
  { weight: 2, arbitrary: fc.constantFrom('/', '.', '..', '') },
  {
    weight: 2,
    arbitrary: fc
      .oneof(
        fc.integer({ min: 0, max: 0x20 }),
        fc.integer({ min: 0x7f, max: 0x9f }),
        fc.integer({ min: 0x2028, max: 0x202e }),
        fc.integer({ min: 0xd800, max: 0xdfff }),
      )
      .map((c) => String.fromCharCode(c)),
  },
  { weight: 1, arbitrary: fc.constantFrom('x'.repeat(300), '😀'.repeat(150), 'a'.repeat(1000)) },
);
const soupSegment: fc.Arbitrary<string> = fc
  .array(soupToken, { minLength: 1, maxLength: 3 })
  .map((tokens) => tokens.join(''));

/** A name of roughly `shape`'s form made of soup: literals mostly right, variables of soup. */
function shapedSoup(shape: Shape): fc.Arbitrary<string> {
  const parts = shape.segments.map((s) => {
    if (s === '**') return fc.array(soupSegment, { minLength: 1, maxLength: 4 }).map((list) => list.join('/'));
    if (s === '*') return soupSegment;
    return fc.oneof({ weight: 12, arbitrary: fc.constant(s) }, { weight: 1, arbitrary: soupSegment });
  });
  return fc.oneof(
    { weight: 9, arbitrary: fc.tuple(...parts).map((list) => list.join('/')) },
    { weight: 1, arbitrary: fc.array(soupToken, { maxLength: 12 }).map((tokens) => tokens.join('')) },
  );
}

const soupCase: fc.Arbitrary<{ shape: Shape; name: string }> = fc.oneof(
  ...SHAPES.map((shape) => fc.record({ shape: fc.constant(shape), name: shapedSoup(shape) })),
);

/** Values that aren't strings at all. */
const notAString: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(undefined, null, true, false, 0, -0, NaN, Infinity, 1n, Symbol('name')),
  fc.integer(),
  fc.double(),
  fc.array(fc.string()),
  fc.object(),
  fc.string().map((s) => new String(`projects/p/operations/${s}`)),
  fc.constant(['projects', 'p', 'operations', 'o']),
  fc.constant({ toString: () => 'projects/p/operations/o' }),
);

// ---------------------------------------------------------------------------------------------
// Properties. numRuns: 2,000 + 500 + 2,500 + 200 + 2,000 + 2,000 + 500 + 300 = 10,000.

/** `unreserved` (RFC 3986), '/' between segments, and %XX escapes with upper-case hex. */
const ENCODED_NAME = /^(?:[A-Za-z0-9\-._~/]|%[0-9A-F]{2})+$/;
/** A whole cancel path: `/v1/`, the encoded name, and `:cancel` as the only ':'. */
const CANCEL_PATH = /^\/v1\/(?:[A-Za-z0-9\-._~/]|%[0-9A-F]{2})+:cancel$/;

function rulesOf(rules: HttpRules): HttpRule[] {
  return [rules.getOperation, rules.cancelOperation, ...(rules.deleteOperation ? [rules.deleteOperation] : [])];
}

describe('validateName (property)', () => {
  it('accepts every valid name unchanged, for each template (2,000 runs)', () => {
    fc.assert(
      fc.property(anyValidName, ({ shape, name }) => {
        check(referenceValid(name, shape), 'the generator made an invalid name');
        same(validateName(name, shape.template), name, 'validateName');
      }),
      { numRuns: 2000 },
    );
  });

  it('accepts names up to exactly 1,024 code units and rejects longer ones (500 runs)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...SHAPES),
        fc.integer({ min: -3, max: 4 }),
        fc.constantFrom('x', '😀', '%', 'é'),
        ({ template, segments }, delta, filler) => {
          // A valid prefix, then the last variable segment filled to MAX_NAME_LENGTH + delta code units.
          const prefix = segments.map((s) => (s === '*' || s === '**' ? 'v' : s)).join('/');
          const target = MAX_NAME_LENGTH + delta;
          let name = prefix;
          while (name.length + filler.length <= target) name += filler;
          name += 'x'.repeat(target - name.length);
          same(name.length, target, 'length');
          if (target <= MAX_NAME_LENGTH) same(validateName(name, template), name, 'validateName');
          else expectInvalidArgument(() => validateName(name, template));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('rejects every malformed name with INVALID_ARGUMENT and nothing else (2,500 runs)', () => {
    fc.assert(
      fc.property(anyInvalidName, ({ shape, name }) => {
        check(!referenceValid(name, shape), 'the generator made a valid name');
        expectInvalidArgument(() => validateName(name, shape.template));
      }),
      { numRuns: 2500 },
    );
  });

  it('rejects anything that is not a string with INVALID_ARGUMENT (200 runs)', () => {
    fc.assert(
      fc.property(notAString, fc.constantFrom(...SHAPES), (value, { template }) => {
        expectInvalidArgument(() => validateName(value, template));
      }),
      { numRuns: 200 },
    );
  });

  it('agrees with an independent reference on a token soup of names (2,000 runs)', () => {
    fc.assert(
      fc.property(soupCase, ({ shape, name }) => {
        if (referenceValid(name, shape)) same(validateName(name, shape.template), name, 'validateName');
        else expectInvalidArgument(() => validateName(name, shape.template));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('transcode and matchPath (property)', () => {
  it('encode a valid name with unreserved characters and %XX only, and matchPath decodes it back (2,000 runs)', () => {
    fc.assert(
      fc.property(anyValidName, ({ shape, name }) => {
        for (const rule of rulesOf(shape.rules)) {
          const parts = transcode(rule, { name });
          const { prefix, suffix } = compileRule(rule);
          same(parts.method, rule.method, 'method');
          same(parts.query, '', 'query');
          same(parts.body, rule.body === '*' ? '{}' : undefined, 'body');
          check(parts.path.startsWith(prefix) && parts.path.endsWith(suffix), `path ${parts.path}`);
          const encoded = parts.path.slice(prefix.length, parts.path.length - suffix.length);
          check(ENCODED_NAME.test(encoded), `not only unreserved characters and %XX: ${parts.path}`);
          // Slashes in the path are exactly the name's separators.
          same(encoded.split('/').length, name.split('/').length, `segments of ${parts.path}`);
          if (rule === shape.rules.cancelOperation) {
            check(CANCEL_PATH.test(parts.path), `cancel path ${parts.path}`);
          }
          // The server-side reverse: the same name, exactly.
          same(matchPath(rule, parts.path), name, `matchPath of ${parts.path}`);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('transcode rejects every invalid name with INVALID_ARGUMENT, for every rule (500 runs)', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          anyInvalidName.map((i) => i as { shape: Shape; name: unknown }),
          fc.record({ shape: fc.constantFrom(...SHAPES), name: notAString }),
        ),
        ({ shape, name }) => {
          for (const rule of rulesOf(shape.rules)) {
            expectInvalidArgument(() => transcode(rule, { name } as TranscodableRequest));
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('matchPath never throws on an arbitrary path: a string or undefined (300 runs)', () => {
    const path = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 60 }),
      fc
        .array(
          fc.oneof(
            fc.constantFrom(
              '/v1/',
              '/',
              ':cancel',
              '%',
              '%2',
              '%2F',
              '%E0%A4%A',
              '%C0%AF',
              '%ED%A0%80',
              'operations',
              'projects',
            ),
            fc.string({ unit: 'binary', maxLength: 3 }),
          ),
          { maxLength: 10 },
        )
        .map((t) => t.join('')),
      fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => `/v1/operations/${String.fromCharCode(c)}:cancel`),
    );
    fc.assert(
      fc.property(path, fc.constantFrom(...SHAPES), (p, shape) => {
        for (const rule of rulesOf(shape.rules)) {
          const result = matchPath(rule, p);
          check(result === undefined || typeof result === 'string', `matchPath answered ${typeof result}`);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('linear time on hostile input (the per-test timeout is the guard)', () => {
  const MEGA = 1_000_000;
  const hostile: [string, string][] = [
    ['slashes', '/'.repeat(MEGA)],
    ['one long segment', 'a'.repeat(MEGA)],
    ['lone high surrogates', '\ud800'.repeat(MEGA)],
    ['lone low surrogates', '\udc00'.repeat(MEGA)],
    ['control characters', '\u0000'.repeat(MEGA)],
    ['dot segments', 'projects/' + '../'.repeat(MEGA / 3)],
    ['nested stars', 'projects/' + '*/'.repeat(MEGA / 2)],
    ['percent signs', 'operations/' + '%'.repeat(MEGA)],
    ['emoji', 'operations/' + '😀'.repeat(MEGA / 2)],
  ];

  it.each(hostile)('validateName rejects 1,000,000 characters of %s with INVALID_ARGUMENT', (_label, input) => {
    for (const shape of SHAPES) {
      expectInvalidArgument(() => validateName(input, shape.template));
      expectInvalidArgument(() => transcode(shape.rules.cancelOperation, { name: input }));
    }
  });

  it.each([
    ['slashes', '/'.repeat(MAX_NAME_LENGTH)],
    ['lone surrogates', '\ud800'.repeat(MAX_NAME_LENGTH)],
    ['pairs then a lone one', '\ud83d\ude00'.repeat(MAX_NAME_LENGTH / 2 - 1) + '\ud83d'],
    ['one segment', 'operations/' + 'a'.repeat(MAX_NAME_LENGTH - 11)],
    ['empty segments', 'operations' + '/'.repeat(MAX_NAME_LENGTH - 10)],
  ])('validateName answers at once on %s just under the cap', (_label, input) => {
    expect(input.length).toBeLessThanOrEqual(MAX_NAME_LENGTH);
    for (const shape of SHAPES) {
      if (referenceValid(input, shape)) expect(validateName(input, shape.template)).toBe(input);
      else expectInvalidArgument(() => validateName(input, shape.template));
    }
  });

  it('matchPath answers on a 1,000,000-character path', () => {
    const path = '/v1/operations/' + '%41/'.repeat(MEGA / 4) + 'x:cancel';
    const name = matchPath(GENERIC_RULES.cancelOperation, path);
    expect(name?.length).toBe(11 + 2 * (MEGA / 4) + 1);
    expect(matchPath(GENERIC_RULES.cancelOperation, '/v1/operations/' + '%'.repeat(MEGA) + ':cancel')).toBeUndefined();
  });
});
