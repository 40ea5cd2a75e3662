/** The emulator's log of the requests it received, so tests can assert what reached it. */
import { SECRET_KEYS } from '../auth';

/** One request as the emulator received it; credential header values are redacted. */
export interface RecordedRequest {
  /** The face it came in through: `grpc` or `rest`. */
  readonly transport: 'grpc' | 'rest';
  /** The method, e.g. `CancelOperation`, or the API's `BatchOptimizeTours`. */
  readonly method: string;
  /** The request's `name` field (an API method's `parent`). */
  readonly name: string;
  /** The request's text metadata (gRPC) or headers (REST), keys lower-case. */
  readonly headers: Readonly<Record<string, string>>;
  /** The time left to the client's deadline when the request arrived (`grpc-timeout`, `x-server-timeout`), in ms. */
  readonly timeoutMs: number | undefined;
}

/** Keeps the last `limit` requests (default 10,000), so a long run's memory stays flat. */
export class Recorder {
  private log: RecordedRequest[] = [];
  /** Requests received since start or the last clear, including those no longer kept. */
  count = 0;

  constructor(private readonly limit = 10_000) {}

  record(request: RecordedRequest): void {
    this.count++;
    this.log.push(redactHeaders(request));
    if (this.log.length > this.limit * 2) this.log = this.log.slice(-this.limit);
  }

  get requests(): readonly RecordedRequest[] {
    return this.log.length > this.limit ? this.log.slice(-this.limit) : this.log;
  }

  clear(): void {
    this.log = [];
    this.count = 0;
  }
}

/** Credential headers are kept as present, their values never. */
const SECRET_HEADERS = SECRET_KEYS;

function redactHeaders(request: RecordedRequest): RecordedRequest {
  if (!SECRET_HEADERS.some((key) => key in request.headers)) return request;
  const headers = { ...request.headers };
  for (const key of SECRET_HEADERS) if (key in headers) headers[key] = '[redacted]';
  return { ...request, headers };
}
