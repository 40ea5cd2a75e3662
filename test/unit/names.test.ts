import { Code, OperationsError } from '../../src/errors';
import { MAX_NAME_LENGTH, compileTemplate, nameVariables, operationName, validateName } from '../../src/names';

const optimization = compileTemplate('projects/*/operations/*');
const generic = compileTemplate('operations/**');

function rejection(name: unknown, template = optimization): OperationsError {
  try {
    validateName(name, template);
  } catch (error) {
    expect(error).toBeInstanceOf(OperationsError);
    return error as OperationsError;
  }
  throw new Error(`expected ${JSON.stringify(name)} to be rejected`);
}

describe('validateName (RELIABILITY 1-4)', () => {
  it.each([
    'projects/p/operations/o',
    'projects/my-project/operations/3423bcd8-1234',
    'projects/p/operations/a b%?#',
    "projects/p/operations/!*'():",
    'projects/p/operations/😀',
    'projects/p/operations/...',
    'projects/p/operations/.hidden',
  ])('accepts %j unchanged', (name) => {
    expect(validateName(name, optimization)).toBe(name);
  });

  it.each([
    ['', /is empty/],
    ['projects/p/operations', /3 segments/],
    ['projects/p/operations/o/extra', /5 segments/],
    ['projects/p/operations/a/b', /5 segments/],
    ['projects//operations/o', /segment 2 is empty/],
    ['projects/p/operations/', /segment 4 is empty/],
    ['folders/p/operations/o', /segment 1 must be "projects"/],
    ['projects/p/jobs/o', /segment 3 must be "operations"/],
    ['projects/p/operations/.', /segment 4 is "\."/],
    ['projects/p/operations/..', /segment 4 is "\.\."/],
    ['projects/../operations/o', /segment 2 is "\.\."/],
    ['projects/p/operations/a\rb', /control character at position 23/],
    ['projects/p/operations/a\nb', /control character/],
    ['projects/p/operations/a\u0000b', /control character/],
    ['projects/p/operations/a\u007fb', /control character/],
    // RELIABILITY 32: characters that spoof what a log or a terminal shows.
    ['projects/p/operations/a\u0085b', /control character U\+0085 at position 23/],
    ['projects/p/operations/a\u0080b', /control character U\+0080/],
    ['projects/p/operations/a\u009fb', /control character U\+009F/],
    ['projects/p/operations/a\u2028b', /line separator U\+2028/],
    ['projects/p/operations/a\u2029b', /line separator U\+2029/],
    ['projects/p/operations/a\u202eb', /bidirectional control U\+202E/],
    ['projects/p/operations/a\u202ab', /bidirectional control U\+202A/],
    ['projects/p/operations/a\u2066b', /bidirectional control U\+2066/],
    ['projects/p/operations/a\u2069b', /bidirectional control U\+2069/],
    ['projects/p/operations/a\u200fb', /bidirectional control U\+200F/],
    ['projects/p/operations/a\u061cb', /bidirectional control U\+061C/],
    ['projects/p/operations/\ud800', /unpaired surrogate/],
    ['projects/p/operations/\udc00x', /unpaired surrogate/],
    ['projects/p/operations/' + 'x'.repeat(MAX_NAME_LENGTH), /longer than 1024/],
  ])('rejects %j with INVALID_ARGUMENT', (name, problem) => {
    const error = rejection(name);
    expect(error.code).toBe(Code.INVALID_ARGUMENT);
    expect(error.message).toMatch(problem);
    expect(error.message).toMatch(/^INVALID_ARGUMENT: /);
    // The message never carries the raw control character or a huge echo of the input.
    // eslint-disable-next-line no-control-regex
    expect(error.message).not.toMatch(/[\u0000-\u001f\u0080-\u009f\u2028-\u202e\u2066-\u2069]/);
    expect(error.message.length).toBeLessThan(300);
  });

  it('says what it expected', () => {
    expect(rejection('projects/p').message).toContain('expected projects/*/operations/*');
  });

  it.each([undefined, null, 42, {}])('rejects a non-string (%p)', (name) => {
    const error = rejection(name);
    expect(error.code).toBe(Code.INVALID_ARGUMENT);
    expect(error.message).toMatch(/must be a string/);
  });

  it('accepts a name exactly at the length cap', () => {
    const prefix = 'projects/p/operations/';
    const name = prefix + 'x'.repeat(MAX_NAME_LENGTH - prefix.length);
    expect(validateName(name, optimization)).toBe(name);
  });

  it('runs in linear time on long hostile input', () => {
    // Thousands of segments, then a rejection on the first check that sees them: no backtracking.
    const hostile = '/'.repeat(MAX_NAME_LENGTH);
    expect(rejection(hostile).code).toBe(Code.INVALID_ARGUMENT);
    expect(rejection('a'.repeat(1_000_000)).message).toMatch(/longer than/);
  });
});

describe('templates', () => {
  it('a final ** takes one or more segments, slashes kept', () => {
    expect(validateName('operations/a/b/c', generic)).toBe('operations/a/b/c');
    expect(nameVariables('operations/a/b/c', generic)).toEqual(['a/b/c']);
    expect(rejection('operations', generic).code).toBe(Code.INVALID_ARGUMENT);
    expect(rejection('operations/a/../b', generic).message).toMatch(/segment 3 is "\.\."/);
  });

  it('extracts the variables of a name', () => {
    expect(nameVariables('projects/p1/operations/o1', optimization)).toEqual(['p1', 'o1']);
  });

  it('rejects a malformed template', () => {
    expect(() => compileTemplate('a/**/b')).toThrow(TypeError);
    expect(() => compileTemplate('a//b')).toThrow(TypeError);
    expect(() => compileTemplate('a/x*/b')).toThrow(TypeError);
  });

  it('operationName formats and validates', () => {
    expect(operationName('demo', 'op-1')).toBe('projects/demo/operations/op-1');
    expect(() => operationName('demo', 'a/b')).toThrow(OperationsError);
  });
});
