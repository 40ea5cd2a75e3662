/**
 * The gRPC request serializers reuse one writer across calls (src/proto.ts). Whatever came
 * before (a large request, a small one, an encode that threw), each request must encode to
 * exactly the bytes of the generated code's own, fresh-writer encoder, and decode back.
 */
import * as fc from 'fast-check';
import {
  CancelOperationRequest,
  GetOperationRequest,
  ListOperationsRequest,
  WaitOperationRequest,
} from '../../generated/google/longrunning/operations';
import { anyFromJson } from '../../src/json';
import { createTypeRegistry, encodeMessage, grpcMethods, type Encoder, type MessageCodec } from '../../src/proto';

type Request =
  | { kind: 'cancel'; request: CancelOperationRequest }
  | { kind: 'get'; request: GetOperationRequest }
  | { kind: 'list'; request: ListOperationsRequest }
  | { kind: 'wait'; request: WaitOperationRequest }
  | { kind: 'bad'; pageSize: number };

const text = (maxLength: number) => fc.string({ unit: 'grapheme', maxLength });

const requestArb: fc.Arbitrary<Request> = fc.oneof(
  text(300).map((name) => ({ kind: 'cancel' as const, request: { name } })),
  text(300).map((name) => ({ kind: 'get' as const, request: { name } })),
  fc
    .record({
      name: text(100),
      // Up to 200 KiB: past the size at which the shared writer is replaced.
      filter: fc.oneof(
        text(200),
        fc.nat(200 * 1024).map((n) => 'f'.repeat(n)),
      ),
      pageSize: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
      pageToken: text(50),
      returnPartialSuccess: fc.boolean(),
    })
    .map((request) => ({ kind: 'list' as const, request })),
  fc
    .record({
      name: text(100),
      timeout: fc.option(fc.record({ seconds: fc.nat().map(String), nanos: fc.nat(999_999_999) }), {
        nil: undefined,
      }),
    })
    .map((request) => ({ kind: 'wait' as const, request })),
  // Not an int32: the generated encoder throws midway, after writing the name.
  fc.double({ min: 0.5, max: 1e6, noInteger: true }).map((pageSize) => ({ kind: 'bad' as const, pageSize })),
);

function check(item: Request): void {
  switch (item.kind) {
    case 'cancel': {
      const bytes = grpcMethods.cancelOperation.serialize(item.request);
      expect(bytes.equals(Buffer.from(CancelOperationRequest.encode(item.request).finish()))).toBe(true);
      expect(CancelOperationRequest.decode(bytes)).toEqual(item.request);
      return;
    }
    case 'get': {
      const bytes = grpcMethods.getOperation.serialize(item.request);
      expect(bytes.equals(Buffer.from(GetOperationRequest.encode(item.request).finish()))).toBe(true);
      expect(GetOperationRequest.decode(bytes)).toEqual(item.request);
      return;
    }
    case 'list': {
      const bytes = grpcMethods.listOperations.serialize(item.request);
      expect(bytes.equals(Buffer.from(ListOperationsRequest.encode(item.request).finish()))).toBe(true);
      expect(ListOperationsRequest.decode(bytes)).toEqual(item.request);
      return;
    }
    case 'wait': {
      const bytes = grpcMethods.waitOperation.serialize(item.request);
      expect(bytes.equals(Buffer.from(WaitOperationRequest.encode(item.request).finish()))).toBe(true);
      return;
    }
    case 'bad': {
      const request = {
        name: 'projects/p',
        filter: '',
        pageSize: item.pageSize,
        pageToken: '',
        returnPartialSuccess: false,
      };
      expect(() => grpcMethods.listOperations.serialize(request)).toThrow(/int32/);
      return;
    }
  }
}

describe('gRPC request serializers (one reused writer)', () => {
  it('encode every request of any sequence as the generated encoder does', () => {
    fc.assert(
      fc.property(fc.array(requestArb, { minLength: 1, maxLength: 20 }), (sequence) => {
        for (const item of sequence) check(item);
      }),
      { numRuns: 300 },
    );
  });

  it('leaves nothing of a request that threw in the next one', () => {
    const request = { name: 'projects/p', filter: 'done', pageSize: 0.5, pageToken: '', returnPartialSuccess: false };
    expect(() => grpcMethods.listOperations.serialize(request)).toThrow(/int32/);
    const next = { name: 'projects/p/operations/o' };
    expect(grpcMethods.cancelOperation.serialize(next)).toEqual(
      Buffer.from([0x0a, next.name.length, ...Buffer.from(next.name)]),
    );
  });

  it('a nested encodeMessage (an encoder that encodes inside) gets a writer of its own', () => {
    const inner = { name: 'projects/p/operations/inner' };
    // An encoder that packs another message's bytes while the shared writer holds its own.
    const outer: Encoder<{ name: string }> = {
      encode(message, writer) {
        const w = CancelOperationRequest.encode(message, writer);
        const packed = encodeMessage(CancelOperationRequest, inner);
        return w.uint32(18).bytes(packed);
      },
    };
    const bytes = encodeMessage(outer, { name: 'projects/p/operations/outer' });
    const innerBytes = Buffer.from(CancelOperationRequest.encode(inner).finish());
    const expected = Buffer.concat([
      Buffer.from(CancelOperationRequest.encode({ name: 'projects/p/operations/outer' }).finish()),
      Buffer.from([18, innerBytes.length]),
      innerBytes,
    ]);
    expect(bytes.equals(expected)).toBe(true);
  });

  it("a registry's codec of another make (encode with one argument, its own writer) is used as it is", () => {
    const seen: unknown[] = [];
    const custom: MessageCodec<{ n: number }> = {
      encode: (message) => {
        seen.push(message);
        return { finish: () => Uint8Array.from([8, message.n]) };
      },
      decode: (bytes) => ({ n: bytes[1] ?? 0 }),
      fromJSON: (json) => ({ n: Number((json as { n: unknown }).n) }),
      toJSON: (message) => ({ n: message.n }),
    };
    const registry = createTypeRegistry({ 'example.v1.Custom': custom as MessageCodec<unknown> });
    const any = anyFromJson({ '@type': 'type.googleapis.com/example.v1.Custom', n: 7 }, registry);
    expect(any.json).toBeUndefined();
    expect(Buffer.from(any.value).equals(Buffer.from([8, 7]))).toBe(true);
    expect(seen).toEqual([{ n: 7 }]);
  });
});
