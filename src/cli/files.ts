/**
 * The files the command's flags name (`--access-token-file`, `cancel --from`), opened before
 * anything is sent: a file that can't be read is a usage error (exit 2) of one line that names
 * the file and says why in plain words, never what the file holds.
 */
import { open, type FileHandle } from 'node:fs/promises';
import type { Readable } from 'node:stream';

/** A problem with the command line, found before anything was sent: printed as one line, exit 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Plain words for the errors of opening and reading a file. */
const REASONS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'is a directory',
  ENOTDIR: 'a part of the path is not a directory',
  ELOOP: 'too many symbolic links',
  ENAMETOOLONG: 'the name is too long',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files',
  ENXIO: 'no such device',
  EIO: 'input/output error',
};

/** Why a file could not be read, in plain words (`no such file`), without the code or the path. */
export function plainReason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const known = code === undefined ? undefined : REASONS[code];
  if (known !== undefined) return known;
  const message = error instanceof Error ? error.message : String(error);
  // Node's form is `ECODE: what happened, syscall 'path'`: keep what happened.
  return message.replace(/^[A-Z0-9_]+: /, '').replace(/, \w+ '.*'$/s, '');
}

/** The most a token file may hold: an OAuth access token is a few KiB at most. */
const MAX_TOKEN_BYTES = 64 * 1024;

/**
 * The bearer token in `file` (`-`: standard input), whitespace trimmed. A missing, unreadable,
 * empty or oversized file, or one holding more than one word, is a UsageError naming the file.
 */
export async function readToken(file: string, stdin: Readable, flag = '--access-token-file'): Promise<string> {
  const what = file === '-' ? `${flag} - (standard input)` : `${flag} ${file}`;
  let text: string | undefined;
  try {
    text = file === '-' ? await readStream(stdin, MAX_TOKEN_BYTES) : await readSmallFile(file, MAX_TOKEN_BYTES);
  } catch (error) {
    throw new UsageError(`cannot read ${what}: ${plainReason(error)}`);
  }
  if (text === undefined) throw new UsageError(`${what} is too large for a token`);
  const token = text.trim();
  if (token === '') throw new UsageError(`${what} is empty`);
  // A header value is printable ASCII: a key file or a note by mistake is refused, unquoted.
  if (!/^[\x21-\x7e]+$/.test(token)) {
    throw new UsageError(`${what} does not hold a single token (one word of printable ASCII)`);
  }
  return token;
}

/** A file's text, or undefined when it is larger than `max` bytes. */
async function readSmallFile(file: string, max: number): Promise<string | undefined> {
  const handle = await openRegular(file);
  try {
    if ((await handle.stat()).size > max) return undefined;
    return await handle.readFile('utf8');
  } finally {
    await handle.close();
  }
}

/** A stream's text, or undefined once it passes `max` bytes. */
async function readStream(stream: Readable, max: number): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream as AsyncIterable<Buffer | string>) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    size += buffer.length;
    if (size > max) return undefined;
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Opens a file to read; a directory is refused now (opening one succeeds, reading it fails later). */
async function openRegular(file: string): Promise<FileHandle> {
  const handle = await open(file, 'r');
  try {
    if ((await handle.stat()).isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    return handle;
  } catch (error) {
    await handle.close();
    throw error;
  }
}

/**
 * The stream of `cancel --from FILE`, opened now (`-`: standard input), so that a file that
 * can't be read stops the command before any call: UsageError `cannot read FILE: <reason>`.
 */
export async function openNames(file: string, stdin: Readable): Promise<Readable> {
  if (file === '-') return stdin;
  try {
    return (await openRegular(file)).createReadStream();
  } catch (error) {
    throw new UsageError(`cannot read ${file}: ${plainReason(error)}`);
  }
}
