/**
 * longrun's descriptor set (generated/descriptors.binpb, written by `npm run generate` and
 * shipped in the package): the FileDescriptorProtos of the Operations service, the error
 * details, the well-known types, the long-running APIs and the emulator's own protos. Read
 * once, on first use, by the JSON mapping of the API types and by the emulator's reflection.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { BinaryReader } from '@bufbuild/protobuf/wire';

/** Where generated/descriptors.binpb may be: from src/ (ts-jest) or from dist/src/ (built, and in the package). */
export const DESCRIPTOR_SET_PATHS = [
  path.join(__dirname, '..', 'generated', 'descriptors.binpb'),
  path.join(__dirname, '..', '..', 'generated', 'descriptors.binpb'),
];

/**
 * The serialized FileDescriptorProtos of the descriptor set, by file name, not parsed (77 KB,
 * ~25 ms to parse whole): a file is parsed when a type of it is first needed. null when the
 * set isn't there.
 */
let descriptorSet: ReadonlyMap<string, Uint8Array> | null | undefined;
export function descriptorSetFiles(): ReadonlyMap<string, Uint8Array> | null {
  if (descriptorSet === undefined) {
    descriptorSet = null;
    for (const file of DESCRIPTOR_SET_PATHS) {
      let bytes: Buffer;
      try {
        bytes = readFileSync(file);
      } catch {
        continue;
      }
      const files = new Map<string, Uint8Array>();
      const reader = new BinaryReader(bytes);
      while (reader.pos < reader.len) {
        const [field, wireType] = reader.tag();
        if (field !== 1) reader.skip(wireType);
        else {
          const proto = reader.bytes();
          files.set(fileNameOf(proto), proto);
        }
      }
      descriptorSet = files;
      break;
    }
  }
  return descriptorSet;
}

/** A serialized FileDescriptorProto's `name` (field 1). */
function fileNameOf(proto: Uint8Array): string {
  const reader = new BinaryReader(proto);
  while (reader.pos < reader.len) {
    const [field, wireType] = reader.tag();
    if (field === 1) return reader.string();
    reader.skip(wireType);
  }
  return '';
}
