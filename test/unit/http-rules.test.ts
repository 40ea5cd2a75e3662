import {
  GENERIC_RULES,
  OPTIMIZATION_V1_RULES,
  ROUTE_OPTIMIZATION_V1_RULES,
  compileRule,
  encodeComponent,
  matchPath,
  operationTemplate,
  parentTemplate,
  transcode,
  type HttpRule,
} from '../../src/http-rules';
import { Code, OperationsError } from '../../src/errors';

const cancel = OPTIMIZATION_V1_RULES.cancelOperation;

function transcodeError(rule: HttpRule, name: string): OperationsError {
  try {
    transcode(rule, { name });
  } catch (error) {
    return error as OperationsError;
  }
  throw new Error(`expected ${JSON.stringify(name)} to be rejected`);
}

describe('rule tables', () => {
  it('Optimization v1 is projects/*/operations/*, with cancel as POST :cancel and no WaitOperation', () => {
    expect(operationTemplate(OPTIMIZATION_V1_RULES).source).toBe('projects/*/operations/*');
    expect(parentTemplate(OPTIMIZATION_V1_RULES)?.source).toBe('projects/*');
    expect(cancel).toEqual({ method: 'POST', path: '/v1/{name=projects/*/operations/*}:cancel' });
    expect(OPTIMIZATION_V1_RULES.listOperations?.method).toBe('POST');
    expect(OPTIMIZATION_V1_RULES.waitOperation).toBeUndefined();
  });

  it('Route Optimization v1 puts operations under a location', () => {
    expect(operationTemplate(ROUTE_OPTIMIZATION_V1_RULES).source).toBe('projects/*/locations/*/operations/*');
    expect(
      transcode(ROUTE_OPTIMIZATION_V1_RULES.cancelOperation, { name: 'projects/p/locations/l/operations/o' }),
    ).toEqual({
      method: 'POST',
      path: '/v1/projects/p/locations/l/operations/o:cancel',
      query: '',
      body: '{}',
    });
  });

  it('the generic rules keep the slashes of operations/**', () => {
    expect(transcode(GENERIC_RULES.getOperation, { name: 'operations/a/b c/d' }).path).toBe('/v1/operations/a/b%20c/d');
    expect(transcode(GENERIC_RULES.cancelOperation, { name: 'operations/x/y' })).toMatchObject({
      path: '/v1/operations/x/y:cancel',
      body: '{}',
    });
  });

  it('rejects a rule without exactly one name variable', () => {
    expect(() => compileRule({ method: 'GET', path: '/v1/operations' })).toThrow(TypeError);
    expect(() => compileRule({ method: 'GET', path: '/v1/{name}/{other}' })).toThrow(TypeError);
    expect(() => compileRule({ method: 'GET', path: '/v1/{parent=projects/*}' })).toThrow(TypeError);
  });
});

describe('transcode (AIP-127)', () => {
  it.each([
    ['projects/p/operations/o', '/v1/projects/p/operations/o:cancel'],
    ['projects/p/operations/a b%?#', '/v1/projects/p/operations/a%20b%25%3F%23:cancel'],
    ["projects/p/operations/!*'()", '/v1/projects/p/operations/%21%2A%27%28%29:cancel'],
    ['projects/p/operations/a:cancel', '/v1/projects/p/operations/a%3Acancel:cancel'],
    ['projects/p/operations/😀', '/v1/projects/p/operations/%F0%9F%98%80:cancel'],
    ['projects/p/operations/é+&=', '/v1/projects/p/operations/%C3%A9%2B%26%3D:cancel'],
    ['projects/p/operations/-_.~', '/v1/projects/p/operations/-_.~:cancel'],
  ])('%j -> %s', (name, path) => {
    expect(transcode(cancel, { name })).toEqual({ method: 'POST', path, query: '', body: undefined });
  });

  it('puts the other fields of a rule without a body in the query, defaults left out', () => {
    const list = OPTIMIZATION_V1_RULES.listOperations!;
    expect(transcode(list, { name: 'projects/p', filter: 'done = true', pageSize: 7, pageToken: 'a/b+c' })).toEqual({
      method: 'POST',
      path: '/v1/projects/p/operations',
      query: 'filter=done%20%3D%20true&pageSize=7&pageToken=a%2Fb%2Bc',
      body: undefined,
    });
    expect(transcode(list, { name: 'projects/p', filter: '', pageSize: 0, returnPartialSuccess: false }).query).toBe(
      '',
    );
  });

  it.each([
    ['projects/p/operations/a/b', /5 segments/],
    ['projects/p/operations/..', /segment 4 is "\.\."/],
    ['projects/p/operations/.', /segment 4 is "\."/],
    ['projects/p/operations/\ud83d', /unpaired surrogate/],
    ['projects/p/operations/a\r\nb', /control character/],
    ['', /is empty/],
  ])('rejects %j with INVALID_ARGUMENT (RELIABILITY 1-4)', (name, problem) => {
    const error = transcodeError(cancel, name);
    expect(error).toBeInstanceOf(OperationsError);
    expect(error.code).toBe(Code.INVALID_ARGUMENT);
    expect(error.local).toBe(true);
    expect(error.message).toMatch(problem);
  });

  it('encodes every byte but the unreserved ones', () => {
    let all = '';
    for (let c = 0x20; c < 0x7f; c++) all += String.fromCharCode(c);
    expect(encodeComponent(all).replace(/%[0-9A-F]{2}/g, '')).toBe(
      '-.0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz~',
    );
  });
});

describe('matchPath (the server side of transcoding)', () => {
  it('decodes back to the name that was encoded', () => {
    for (const name of ['projects/p/operations/a b%?#', 'projects/p/operations/😀:x', "projects/p/operations/!*'()"]) {
      expect(matchPath(cancel, transcode(cancel, { name }).path)).toBe(name);
    }
  });

  it('an encoded slash decodes into the name, which then fails the template', () => {
    const name = matchPath(cancel, '/v1/projects/p/operations/a%2Fb:cancel');
    expect(name).toBe('projects/p/operations/a/b');
  });

  it('a path of another shape does not match', () => {
    expect(matchPath(cancel, '/v1/projects/p/operations/o')).toBeUndefined();
    expect(matchPath(cancel, '/v2/projects/p/operations/o:cancel')).toBeUndefined();
    expect(matchPath(cancel, '/v1/:cancel')).toBeUndefined();
    expect(matchPath(cancel, '/v1/projects/p/operations/%E0%A4%A:cancel')).toBeUndefined();
  });
});
