/**
 * The emulator's in-memory operations. An operation's state is computed from its script
 * and the clock whenever it is read, so no timer runs per operation and 20,000 of them
 * cost only memory.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { Code, OperationsError } from '../errors';
import { compileTemplate, validateName, type NameTemplate } from '../names';
import type { Any, Operation, Status } from '../proto';
import { asyncModelMetadata, progressMetadata, type MetadataWriter, type OperationState } from './metadata';
import { fillTemplate } from './naming';
import { emptyAny } from './proto';

/**
 * What CancelOperation does to an operation:
 * - `honour`: the operation becomes done with `error.code = 1` (CANCELLED) at once;
 * - `delayed`: the cancel is accepted and takes effect `cancelDelayMs` later;
 * - `ignore`: the cancel is accepted and the operation completes anyway: when its run time
 *   ends, or (for one that would run until cancelled) `cancelDelayMs` after the cancel;
 * - `unimplemented`: CancelOperation answers UNIMPLEMENTED.
 */
export type CancelMode = 'honour' | 'delayed' | 'ignore' | 'unimplemented';

/** Every {@link CancelMode}, e.g. to check a value given on a command line. */
export const CANCEL_MODES: readonly CancelMode[] = ['honour', 'delayed', 'ignore', 'unimplemented'];

/** How an operation behaves once created. */
export interface OperationSpec {
  /**
   * Its resource name; default one made from the emulator's name template with project
   * `emulator` and operation `op-<n>` (`projects/emulator/operations/op-<n>` under Optimization v1).
   */
  readonly name?: string;
  /** How long it runs before completing, in ms; default: until cancelled. */
  readonly runForMs?: number;
  /** Its response when it completes; default a packed google.protobuf.Empty. */
  readonly response?: Any;
  /** Its error when it completes (wins over `response`). */
  readonly error?: Status;
  /** What a cancel does; default the emulator's mode. */
  readonly cancelMode?: CancelMode;
  /** For `delayed` and `ignore`: how long after the cancel it takes effect, in ms. */
  readonly cancelDelayMs?: number;
  /**
   * What it reports in `metadata`: `api`, the metadata type of the API the emulator plays
   * (see {@link EmulatorOptions.metadata}); `progress`, the emulator's own
   * longrun.emulator.v1.ProgressMetadata. Default the emulator's choice (`api` unless started
   * otherwise).
   */
  readonly metadata?: 'api' | 'progress';
}

interface Entry {
  readonly name: string;
  /** Creation order, for paging. */
  readonly seq: number;
  readonly createdAt: number;
  readonly completeAt: number;
  readonly response: Any;
  readonly error: Status | undefined;
  readonly mode: CancelMode;
  readonly cancelDelayMs: number;
  readonly metadata: MetadataWriter;
  cancelRequestedAt: number | undefined;
}

export interface StoreOptions {
  readonly cancelMode?: CancelMode;
  readonly cancelDelayMs?: number;
  readonly nameTemplate?: string;
  readonly now?: () => number;
  /** The metadata of a spec's `metadata: 'api'`: default Optimization v1's AsyncModelMetadata. */
  readonly apiMetadata?: MetadataWriter;
  /** What a spec without `metadata` gets: default `api`. */
  readonly metadata?: 'api' | 'progress';
}

/** Default delay of a `delayed` or `ignore` cancel, in ms. */
export const DEFAULT_CANCEL_DELAY_MS = 1000;

const CANCELLED_STATUS: Status = { code: Code.CANCELLED, message: 'operation cancelled by request', details: [] };

export class OperationStore {
  private readonly entries = new Map<string, Entry>();
  /** Entries in creation order (deleted ones linger until compaction), for paging by `seq`. */
  private order: Entry[] = [];
  private nextSeq = 1;
  private readonly tokenKey = randomBytes(32);
  private readonly mode: CancelMode;
  private readonly cancelDelayMs: number;
  readonly template: NameTemplate;
  private readonly now: () => number;
  private readonly apiMetadata: MetadataWriter;
  private readonly metadata: 'api' | 'progress';
  private seq = 0;

  constructor(options: StoreOptions = {}) {
    this.apiMetadata = options.apiMetadata ?? asyncModelMetadata;
    this.metadata = options.metadata ?? 'api';
    this.mode = options.cancelMode ?? 'honour';
    this.cancelDelayMs = options.cancelDelayMs ?? DEFAULT_CANCEL_DELAY_MS;
    this.template = compileTemplate(options.nameTemplate ?? 'projects/*/operations/*');
    this.now = options.now ?? Date.now;
  }

  get size(): number {
    return this.entries.size;
  }

  /**
   * Creates a running operation; INVALID_ARGUMENT for a bad name, ALREADY_EXISTS for a taken
   * one. `metadata` (an API method's own type) wins over the spec's.
   */
  create(spec: OperationSpec = {}, metadata?: MetadataWriter): Operation {
    let name = spec.name;
    if (name === undefined || name === '') {
      do name = fillTemplate(this.template, 'emulator', `op-${++this.seq}`);
      while (this.entries.has(name));
    }
    validateName(name, this.template);
    if (this.entries.has(name)) throw new OperationsError(Code.ALREADY_EXISTS, `operation ${name} already exists`);
    for (const [what, ms] of [
      ['runForMs', spec.runForMs],
      ['cancelDelayMs', spec.cancelDelayMs],
    ] as const) {
      if (ms !== undefined && !(ms >= 0)) throw new OperationsError(Code.INVALID_ARGUMENT, `${what} must be >= 0`);
    }
    const now = this.now();
    const entry: Entry = {
      name,
      seq: this.nextSeq++,
      createdAt: now,
      completeAt: spec.runForMs === undefined ? Infinity : now + spec.runForMs,
      response: spec.response ?? emptyAny(),
      error: spec.error,
      mode: spec.cancelMode ?? this.mode,
      cancelDelayMs: spec.cancelDelayMs ?? this.cancelDelayMs,
      metadata: metadata ?? ((spec.metadata ?? this.metadata) === 'progress' ? progressMetadata : this.apiMetadata),
      cancelRequestedAt: undefined,
    };
    this.entries.set(name, entry);
    this.order.push(entry);
    return this.view(entry, now);
  }

  /** The operation's current state, or NOT_FOUND. */
  get(name: string): Operation {
    return this.view(this.entry(name), this.now());
  }

  /** Records a cancel request, as the operation's cancel mode says. */
  cancel(name: string): void {
    const entry = this.entry(name);
    if (entry.mode === 'unimplemented') {
      throw new OperationsError(Code.UNIMPLEMENTED, 'CancelOperation is not supported for this operation');
    }
    const now = this.now();
    if (entry.cancelRequestedAt === undefined && now < this.doneAt(entry)) entry.cancelRequestedAt = now;
  }

  /** Removes the operation (without cancelling it), or NOT_FOUND. */
  delete(name: string): void {
    this.entry(name);
    this.entries.delete(name);
    if (this.order.length > 1024 && this.order.length > this.entries.size * 2) {
      this.order = this.order.filter((e) => this.entries.get(e.name) === e);
    }
  }

  /**
   * One page of the operations under `parent` (names starting with `parent/`), in creation
   * order. `filter` is '' or `done = true|false`; `pageSize` 0 means 50, at most 1000. Page
   * tokens are opaque and signed: a tampered one, or one of another parent or filter, is
   * INVALID_ARGUMENT.
   */
  list(
    parent: string,
    filter: string,
    pageSize: number,
    pageToken: string,
  ): { operations: Operation[]; nextPageToken: string } {
    const wantDone = parseDoneFilter(filter);
    if (!Number.isInteger(pageSize) || pageSize < 0) {
      throw new OperationsError(Code.INVALID_ARGUMENT, 'page_size must be a whole number >= 0');
    }
    const size = Math.min(pageSize || 50, 1000);
    const afterSeq = pageToken === '' ? 0 : this.readToken(pageToken, parent, filter);
    const prefix = `${parent}/`;
    const now = this.now();
    const operations: Operation[] = [];
    let last = 0;
    let more = false;
    for (let i = firstAfter(this.order, afterSeq); i < this.order.length; i++) {
      const entry = this.order[i] as Entry;
      if (this.entries.get(entry.name) !== entry || !entry.name.startsWith(prefix)) continue;
      const op = this.view(entry, now);
      if (wantDone !== undefined && op.done !== wantDone) continue;
      if (operations.length === size) {
        more = true;
        break;
      }
      operations.push(op);
      last = entry.seq;
    }
    return { operations, nextPageToken: more ? this.makeToken(parent, filter, last) : '' };
  }

  private makeToken(parent: string, filter: string, seq: number): string {
    const body = Buffer.from(JSON.stringify({ p: parent, f: filter, s: seq })).toString('base64url');
    return `${body}.${this.sign(body)}`;
  }

  private readToken(token: string, parent: string, filter: string): number {
    const [body = '', mac = '', extra] = token.split('.');
    if (extra === undefined && body !== '' && mac === this.sign(body)) {
      try {
        const { p, f, s } = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Record<string, unknown>;
        if (p === parent && f === filter && typeof s === 'number') return s;
        throw new OperationsError(Code.INVALID_ARGUMENT, 'page_token belongs to another parent or filter');
      } catch (error) {
        if (error instanceof OperationsError) throw error;
      }
    }
    throw new OperationsError(Code.INVALID_ARGUMENT, 'invalid page_token');
  }

  private sign(body: string): string {
    return createHmac('sha256', this.tokenKey).update(body).digest('base64url').slice(0, 22);
  }

  /** Whether an operation of this name exists. */
  has(name: string): boolean {
    return this.entries.has(name);
  }

  /** Milliseconds until the operation is done, given what is known now (Infinity: not scheduled). */
  msUntilDone(name: string): number {
    return Math.max(0, this.doneAt(this.entry(name)) - this.now());
  }

  /** Removes every operation; returns how many there were. */
  reset(): number {
    const removed = this.entries.size;
    this.entries.clear();
    this.order = [];
    return removed;
  }

  private entry(name: string): Entry {
    const entry = this.entries.get(name);
    if (!entry) throw new OperationsError(Code.NOT_FOUND, `operation ${name} not found`);
    return entry;
  }

  /** When a cancel takes effect (Infinity: none will). */
  private cancelAt(entry: Entry): number {
    const requested = entry.cancelRequestedAt;
    if (requested === undefined) return Infinity;
    if (entry.mode === 'honour') return requested;
    if (entry.mode === 'delayed') return requested + entry.cancelDelayMs;
    return Infinity;
  }

  private completeAt(entry: Entry): number {
    const requested = entry.cancelRequestedAt;
    if (entry.mode === 'ignore' && entry.completeAt === Infinity && requested !== undefined) {
      return requested + entry.cancelDelayMs;
    }
    return entry.completeAt;
  }

  private doneAt(entry: Entry): number {
    return Math.min(this.cancelAt(entry), this.completeAt(entry));
  }

  private view(entry: Entry, now: number): Operation {
    const cancelAt = this.cancelAt(entry);
    const completeAt = this.completeAt(entry);
    const doneAt = Math.min(cancelAt, completeAt);
    const done = now >= doneAt;
    const cancelled = done && cancelAt <= completeAt;
    const runMs = entry.completeAt - entry.createdAt;
    let percentDone = 0;
    if (done && !cancelled) percentDone = 100;
    else if (runMs !== Infinity)
      percentDone = Math.min(99, Math.floor(((now - entry.createdAt) / Math.max(runMs, 1)) * 100));
    let state: OperationState = 'running';
    if (cancelled) state = 'cancelled';
    else if (done) state = entry.error ? 'failed' : 'succeeded';
    const operation: Operation = {
      name: entry.name,
      metadata: entry.metadata({
        state,
        createdAt: entry.createdAt,
        updatedAt: done ? doneAt : entry.createdAt,
        cancelRequested: entry.cancelRequestedAt !== undefined,
        percentDone,
        error: state === 'failed' ? entry.error : undefined,
      }),
      done,
    };
    if (cancelled) operation.error = CANCELLED_STATUS;
    else if (done && entry.error) operation.error = entry.error;
    else if (done) operation.response = entry.response;
    return operation;
  }
}

/** `''` -> undefined (all); `done = true` / `done=false` -> the wanted state; anything else is refused. */
function parseDoneFilter(filter: string): boolean | undefined {
  const trimmed = filter.trim();
  if (trimmed === '') return undefined;
  const match = /^done\s*=\s*(true|false)$/.exec(trimmed);
  if (!match) {
    throw new OperationsError(
      Code.INVALID_ARGUMENT,
      `unsupported filter (the emulator knows "done = true|false"): ${filter}`,
    );
  }
  return match[1] === 'true';
}

/** Index of the first entry with seq > `seq` (entries are sorted by seq). */
function firstAfter(order: readonly Entry[], seq: number): number {
  let lo = 0;
  let hi = order.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((order[mid] as Entry).seq <= seq) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
