/** What the command prints: JSON lines for scripts, short sentences and tables for people. */
import { codeName, defaultTypeRegistry, type Operation, type OperationsError } from '..';
// The one internal module the command uses: the library keeps its JSON mapping to itself.
import { operationToJson } from '../json';

export interface Output {
  out(line: string): void;
  err(line: string): void;
  /** Writes a line to stdout, resolving once the stream can take more (memory stays flat on a slow pipe). */
  write(line: string): Promise<void>;
}

export const stdio: Output = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  write: (line) =>
    process.stdout.write(`${line}\n`)
      ? Promise.resolve()
      : new Promise((resolve) => process.stdout.once('drain', resolve)),
};

/** An Operation in its proto3 JSON form, one line. */
export function operationLine(operation: Operation): string {
  return JSON.stringify(operationToJson(operation, defaultTypeRegistry));
}

/** An error as a JSON line: `{"name", "code", "status", "message"}`. */
export function errorLine(name: string, error: OperationsError): string {
  return JSON.stringify({
    name,
    code: error.code,
    status: codeName(error.code),
    message: tidyMessage(error.rawMessage),
  });
}

/** An error for a person: `STATUS: message`. */
export function errorText(error: OperationsError): string {
  return `${codeName(error.code)}: ${tidyMessage(error.rawMessage)}`;
}

/**
 * An error message without grpc-js' internal text that adds nothing: an empty trailing
 * `Resolution note:`, a `Last error: null`, the `Error: ` of a quoted error. The command's
 * output only: the library's errors keep grpc-js' text as it came.
 */
export function tidyMessage(message: string): string {
  return message
    .replace(/\s*Resolution note:\s*$/, '')
    .replace(/\s*Last error: (null|undefined)\.?(?=\s|$)/, '')
    .replace(/(Last error: )(?:[A-Za-z]*Error: )+/, '$1')
    .trim();
}

/** One operation for a person: name, state and, when done, how it ended. */
export function describeOperation(operation: Operation): string {
  if (!operation.done) return `${operation.name}  running`;
  if (operation.error) {
    const { code, message } = operation.error;
    return `${operation.name}  done  ${codeName(code)} (${code})${message ? `: ${message}` : ''}`;
  }
  return `${operation.name}  done  succeeded${operation.response ? ` (${operation.response.typeUrl.replace(/^.*\//, '')})` : ''}`;
}
