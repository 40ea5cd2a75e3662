/**
 * Reading the command's input files a line at a time (`cancel --from`, `--skip-done`): as fast
 * as lines are consumed, in time linear in the input whatever its line lengths, and in memory
 * bounded by the longest line kept: a line past the limit is not kept, only its number and
 * length reported (`--from /dev/zero` reads in flat memory).
 */
import { StringDecoder } from 'node:string_decoder';

/** A line longer than {@link readLines}' limit: not kept, only where and how long it was. */
export interface LongLine {
  /** Its number, from 1. */
  readonly lineNumber: number;
  /** Its length in characters. */
  readonly length: number;
  /** Whether it starts (after blanks) with `#`: a comment. */
  readonly comment: boolean;
}

/**
 * The lines of a stream (a trailing `\r` removed), or a {@link LongLine} for each one longer
 * than `maxLength` characters. Read only as fast as they are consumed (readline's async
 * iterator queues every line of a fast input, and memory grows with it).
 */
export async function* readLines(
  stream: AsyncIterable<Buffer | string>,
  maxLength = Infinity,
): AsyncGenerator<string | LongLine> {
  const decoder = new StringDecoder('utf8');
  // The line so far, in pieces (joined once: appending to one string would copy it each time).
  let parts: string[] = [];
  let length = 0;
  let long: { comment: boolean } | undefined;
  let lineNumber = 0;
  const take = (text: string): void => {
    length += text.length;
    if (long !== undefined) return;
    parts.push(text);
    if (length > maxLength) {
      long = { comment: parts.join('').trimStart().startsWith('#') };
      parts = [];
    }
  };
  const end = (): string | LongLine => {
    lineNumber++;
    const line: string | LongLine = long ? { lineNumber, length, comment: long.comment } : parts.join('');
    parts = [];
    length = 0;
    long = undefined;
    return typeof line === 'string' && line.endsWith('\r') ? line.slice(0, -1) : line;
  };
  for await (const chunk of stream) {
    const text = typeof chunk === 'string' ? chunk : decoder.write(chunk);
    let start = 0;
    for (let newline = text.indexOf('\n'); newline !== -1; newline = text.indexOf('\n', start)) {
      take(text.slice(start, newline));
      yield end();
      start = newline + 1;
    }
    if (start < text.length) take(text.slice(start));
  }
  const rest = decoder.end();
  if (rest !== '') take(rest);
  if (length > 0) yield end();
}
