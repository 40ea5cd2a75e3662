import { Code as GeneratedCode } from '../../generated/google/rpc/code';
import { ErrorInfo, RetryInfo } from '../../generated/google/rpc/error_details';
import { Status } from '../../generated/google/rpc/status';
import {
  Code,
  OperationsError,
  codeName,
  decodeDetails,
  detailTypeUrl,
  detailsFromStatusBytes,
  sanitizeText,
} from '../../src/errors';

describe('Code', () => {
  it('numbers every code as google.rpc.Code does', () => {
    const generated = Object.entries(GeneratedCode).filter(
      ([name, value]) => typeof value === 'number' && name !== 'UNRECOGNIZED',
    );
    expect(generated).toHaveLength(17);
    for (const [name, value] of generated) expect(Code[name as keyof typeof Code]).toBe(value);
  });

  it('names codes, and anything else UNKNOWN', () => {
    expect(codeName(Code.CANCELLED)).toBe('CANCELLED');
    expect(codeName(16)).toBe('UNAUTHENTICATED');
    expect(codeName(17)).toBe('UNKNOWN');
    expect(codeName(-1)).toBe('UNKNOWN');
    expect(codeName(1.5)).toBe('UNKNOWN');
  });
});

describe('OperationsError', () => {
  it('carries code, prefixed message, raw message and cause', () => {
    const cause = new Error('socket hang up');
    const error = new OperationsError(Code.UNAVAILABLE, 'connection dropped', { cause });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('OperationsError');
    expect(error.code).toBe(Code.UNAVAILABLE);
    expect(error.message).toBe('UNAVAILABLE: connection dropped');
    expect(error.rawMessage).toBe('connection dropped');
    expect(error.cause).toBe(cause);
    expect(error.aborted).toBe(false);
    expect(error.details).toEqual([]);
  });

  it('from() keeps an OperationsError and wraps anything else', () => {
    const original = new OperationsError(Code.NOT_FOUND, 'x');
    expect(OperationsError.from(original)).toBe(original);
    const wrapped = OperationsError.from(new TypeError('boom'), Code.INTERNAL);
    expect(wrapped.code).toBe(Code.INTERNAL);
    expect(wrapped.rawMessage).toBe('boom');
    expect(wrapped.cause).toBeInstanceOf(TypeError);
    expect(OperationsError.from('text').code).toBe(Code.UNKNOWN);
  });

  it('strips control characters and caps server text (RELIABILITY 20)', () => {
    const error = new OperationsError(Code.INTERNAL, 'line1\r\nline2\u0000\u001b[31m' + 'x'.repeat(5000));
    // eslint-disable-next-line no-control-regex
    expect(error.message).not.toMatch(/[\u0000-\u001f\u007f]/);
    expect(error.rawMessage.startsWith('line1 line2 [31m')).toBe(true);
    expect(error.rawMessage.length).toBeLessThan(1100);
    expect(error.rawMessage).toMatch(/truncated\)$/);
    expect(sanitizeText('  ok  ')).toBe('ok');
  });

  it('sanitizing twice changes nothing (redaction rebuilds an error from its raw message)', () => {
    for (const text of ['x'.repeat(5000), `${'😀'.repeat(600)}\u0000`, 'a\u2028b\u202ec', 'y'.repeat(1024)]) {
      const once = sanitizeText(text);
      expect(sanitizeText(once)).toBe(once);
    }
    expect(sanitizeText('a\u2028b\u202ec\u0085d')).toBe('a b c d');
  });

  it('toJSON: code, status, message and details; no stack, no cause', () => {
    const error = new OperationsError(Code.NOT_FOUND, 'gone', { cause: new Error('inner secret') });
    const json = JSON.parse(JSON.stringify(error)) as Record<string, unknown>;
    expect(json).toEqual({
      name: 'OperationsError',
      code: 5,
      status: 'NOT_FOUND',
      message: 'gone',
      details: [],
      local: false,
      aborted: false,
    });
  });
});

describe('details', () => {
  const errorInfo = ErrorInfo.fromPartial({
    reason: 'QUOTA',
    domain: 'optimization.googleapis.com',
    metadata: { a: 'b' },
  });
  const retryInfo = RetryInfo.fromPartial({ retryDelay: { seconds: '2', nanos: 500_000_000 } });
  const statusBytes = Status.encode({
    code: Code.RESOURCE_EXHAUSTED,
    message: 'slow down',
    details: [
      { typeUrl: detailTypeUrl('google.rpc.ErrorInfo'), value: Buffer.from(ErrorInfo.encode(errorInfo).finish()) },
      { typeUrl: detailTypeUrl('google.rpc.RetryInfo'), value: Buffer.from(RetryInfo.encode(retryInfo).finish()) },
      { typeUrl: 'type.googleapis.com/example.Unknown', value: Buffer.from([1, 2, 3]) },
      { typeUrl: detailTypeUrl('google.rpc.BadRequest'), value: Buffer.from([0xff, 0xff, 0xff]) },
    ],
  }).finish();

  it('decodes known google.rpc types and keeps unknown or corrupt ones raw', () => {
    const details = detailsFromStatusBytes(statusBytes);
    expect(details[0]).toEqual({ type: 'google.rpc.ErrorInfo', value: errorInfo });
    expect(details[1]).toEqual({ type: 'google.rpc.RetryInfo', value: retryInfo });
    expect(details[2]).toEqual({
      type: 'unknown',
      typeUrl: 'type.googleapis.com/example.Unknown',
      value: Buffer.from([1, 2, 3]),
    });
    expect(details[3]).toMatchObject({ type: 'unknown', typeUrl: detailTypeUrl('google.rpc.BadRequest') });
  });

  it('findDetail returns the first detail of a type', () => {
    const error = new OperationsError(Code.RESOURCE_EXHAUSTED, 'slow down', {
      details: detailsFromStatusBytes(statusBytes),
    });
    expect(error.findDetail('google.rpc.ErrorInfo')?.reason).toBe('QUOTA');
    expect(error.findDetail('google.rpc.RetryInfo')?.retryDelay).toEqual({ seconds: '2', nanos: 500_000_000 });
    expect(error.findDetail('google.rpc.Help')).toBeUndefined();
  });

  it('throws on corrupt status bytes, never on a corrupt detail', () => {
    expect(() => detailsFromStatusBytes(Buffer.from([0x0a, 0xff]))).toThrow();
    expect(decodeDetails([])).toEqual([]);
  });
});
