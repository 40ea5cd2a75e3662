/** What the command prints: JSON lines for scripts, short sentences and tables for people. */
import { codeName, type OperationsError } from '../errors';
import { operationToJson } from '../json';
import { defaultTypeRegistry, type Operation } from '../proto';

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
  return JSON.stringify({ name, code: error.code, status: codeName(error.code), message: error.rawMessage });
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
