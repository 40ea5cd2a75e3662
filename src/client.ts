/**
 * OperationsClient: the thin wrapper over a Transport, written once for both.
 */
import { abortedError } from './errors';
import { operationTemplate } from './http-rules';
import { compileTemplate, validateName, type NameTemplate } from './names';
import { DEFAULT_TIMEOUT_MS, checkTimeout } from './policy';
import type { Operation } from './proto';
import type { CallOptions, Metadata, MethodKey, RequestOf, ResponseOf, Transport } from './transport';
import { createGrpcTransport } from './transports/grpc';

export interface OperationsClientOptions {
  /**
   * How to reach the service. Default: `createGrpcTransport()`, TLS to
   * `optimization.googleapis.com:443`.
   */
  readonly transport?: Transport;
  /** Deadline of each call unless the call sets its own. Default {@link DEFAULT_TIMEOUT_MS} (10 s). */
  readonly timeoutMs?: number;
  /**
   * The operation name template names are checked against before anything is sent.
   * Default: the one of the transport's HTTP rules (`projects/*\/operations/*` for Optimization v1).
   */
  readonly nameTemplate?: string;
  /** Metadata sent with every call; a call's own metadata wins on the same key. */
  readonly metadata?: Metadata;
}

/** A client of google.longrunning.Operations. Promise API; every failure is an OperationsError. */
export class OperationsClient {
  readonly transport: Transport;
  private readonly timeoutMs: number;
  private readonly template: NameTemplate;
  private readonly metadata: Metadata | undefined;

  constructor(options: OperationsClientOptions = {}) {
    this.transport = options.transport ?? createGrpcTransport();
    this.timeoutMs = options.timeoutMs === undefined ? DEFAULT_TIMEOUT_MS : checkTimeout(options.timeoutMs);
    this.template =
      options.nameTemplate === undefined
        ? operationTemplate(this.transport.rules)
        : compileTemplate(options.nameTemplate);
    this.metadata = options.metadata;
  }

  /**
   * Asks the server to cancel the operation: best effort and asynchronous. Success means the
   * request was accepted, not that the operation stopped; confirm with {@link getOperation}
   * (done, with `error.code === Code.CANCELLED`). A server without cancel answers UNIMPLEMENTED.
   */
  async cancelOperation(name: string, options?: CallOptions): Promise<void> {
    await this.call('cancelOperation', { name: validateName(name, this.template) }, options);
  }

  /** The latest state of the operation. */
  async getOperation(name: string, options?: CallOptions): Promise<Operation> {
    return this.call('getOperation', { name: validateName(name, this.template) }, options);
  }

  /** Closes the transport. */
  async close(): Promise<void> {
    return this.transport.close();
  }

  private call<K extends MethodKey>(
    method: K,
    request: RequestOf<K>,
    options: CallOptions = {},
  ): Promise<ResponseOf<K>> {
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(abortedError(signal));
    const timeoutMs = options.timeoutMs === undefined ? this.timeoutMs : checkTimeout(options.timeoutMs);
    return this.transport.unary({
      method,
      request,
      deadline: timeoutMs === Infinity ? undefined : Date.now() + timeoutMs,
      signal,
      metadata: mergeMetadata(this.metadata, options.metadata),
    });
  }
}

function mergeMetadata(base: Metadata | undefined, extra: Metadata | undefined): Metadata | undefined {
  if (!base) return extra;
  if (!extra) return base;
  return { ...base, ...extra };
}
