/**
 * The APIs whose own long-running methods the emulator serves, next to their Operations
 * service: Cloud Optimization v1's FleetRouting.BatchOptimizeTours, and Route Optimization
 * v1's RouteOptimization.BatchOptimizeTours and OptimizeToursLongRunning. Which one is chosen
 * by the rule table's `api`; the generic rules (and any other table) serve none of them.
 * Their HTTP rules are those of the APIs' protos (google-proto-files), kept here as data.
 */
import type * as grpc from '@grpc/grpc-js';
import type { HttpRules } from '../http-rules';
import { compileTemplate, validateName, type NameTemplate } from '../names';
import type { Any } from '../proto';
import {
  asyncModelMetadata,
  batchOptimizeToursMetadata,
  optimizeToursLongRunningMetadata,
  type MetadataWriter,
} from './metadata';
import {
  FleetRoutingService,
  RouteOptimizationService,
  optimizationBatchResponse,
  routeBatchResponse,
  routeOptimizeToursResponse,
} from './proto';

/** The fields of a request to an API's long-running method that the emulator reads. */
export interface ApiRequest {
  /** `projects/{project}` or `projects/{project}/locations/{location}`. */
  readonly parent: string;
  /** OptimizeToursRequest's label, echoed in the response's `requestLabel`. */
  readonly label?: string | undefined;
}

/** One HTTP binding of a method: POST, body `*`, a path with one `{parent=...}` variable. */
export interface ApiBinding {
  /** e.g. `/v1/{parent=projects/*}:batchOptimizeTours`. */
  readonly path: string;
  /** The literal before the variable, e.g. `/v1/`. */
  readonly prefix: string;
  /** The variable's template, e.g. `projects/*`. */
  readonly template: NameTemplate;
  /** The literal after it, e.g. `:batchOptimizeTours`. */
  readonly suffix: string;
}

/** One of an API's long-running methods. */
export interface ApiMethod {
  /** The method's name as the service spells it, e.g. `BatchOptimizeTours`. */
  readonly name: string;
  /** Its key in the generated service definition, e.g. `batchOptimizeTours`. */
  readonly key: string;
  /** Its HTTP rule and additional bindings, in the proto's order. */
  readonly bindings: readonly ApiBinding[];
  /** Its operation_info metadata type. */
  readonly metadata: MetadataWriter;
  /** Its operation_info response type, as a successful operation answers it. */
  response(request: ApiRequest): Any;
}

/** An API the emulator plays. */
export interface Api {
  /** The rule table's `api` it goes with, e.g. `optimization.v1`. */
  readonly name: string;
  /** The gRPC service the methods belong to (its other methods answer UNIMPLEMENTED). */
  readonly service: grpc.ServiceDefinition;
  /** The long-running methods served. */
  readonly methods: readonly ApiMethod[];
  /** The metadata of operations the API didn't start (seeded, created by a test or the control service). */
  readonly metadata: MetadataWriter;
}

function binding(path: string): ApiBinding {
  const match = /^([^{]*)\{parent=([^}]+)\}([^{}]*)$/.exec(path);
  if (!match) throw new TypeError(`HTTP rule ${path}: expected one {parent=...} variable`);
  return {
    path,
    prefix: match[1] as string,
    template: compileTemplate(match[2] as string),
    suffix: match[3] as string,
  };
}

/** The proto's `post: "/v1/{parent=projects/*\/locations/*}:<verb>"` and its `projects/*` additional binding. */
function bindings(verb: string): ApiBinding[] {
  return [binding(`/v1/{parent=projects/*/locations/*}:${verb}`), binding(`/v1/{parent=projects/*}:${verb}`)];
}

/** Cloud Optimization v1: google.cloud.optimization.v1.FleetRouting. */
export const OPTIMIZATION_V1_API: Api = {
  name: 'optimization.v1',
  service: FleetRoutingService as unknown as grpc.ServiceDefinition,
  methods: [
    {
      name: 'BatchOptimizeTours',
      key: 'batchOptimizeTours',
      bindings: bindings('batchOptimizeTours'),
      metadata: asyncModelMetadata,
      response: () => optimizationBatchResponse(),
    },
  ],
  metadata: asyncModelMetadata,
};

/** Route Optimization v1: google.maps.routeoptimization.v1.RouteOptimization. */
export const ROUTE_OPTIMIZATION_V1_API: Api = {
  name: 'routeoptimization.v1',
  service: RouteOptimizationService as unknown as grpc.ServiceDefinition,
  methods: [
    {
      name: 'BatchOptimizeTours',
      key: 'batchOptimizeTours',
      bindings: bindings('batchOptimizeTours'),
      metadata: batchOptimizeToursMetadata,
      response: () => routeBatchResponse(),
    },
    {
      name: 'OptimizeToursLongRunning',
      key: 'optimizeToursLongRunning',
      bindings: bindings('optimizeToursLongRunning'),
      metadata: optimizeToursLongRunningMetadata,
      response: (request) => routeOptimizeToursResponse(request.label ?? ''),
    },
  ],
  metadata: batchOptimizeToursMetadata,
};

/** The API a rule table goes with, by its `api`; undefined for the generic rules and other tables. */
export function apiOf(rules: HttpRules): Api | undefined {
  return [OPTIMIZATION_V1_API, ROUTE_OPTIMIZATION_V1_API].find((api) => api.name === rules.api);
}

/**
 * Validates a method's `parent` against its bindings' templates (INVALID_ARGUMENT, saying
 * what is wrong, otherwise) and reads its project and location.
 */
export function parseParent(
  method: ApiMethod,
  parent: unknown,
): { readonly project: string; readonly location: string | undefined } {
  const { bindings: all } = method;
  const segments = typeof parent === 'string' ? parent.split('/').length : 0;
  // The binding of the parent's length gives the clearest message; the last one otherwise.
  const chosen = all.find((b) => b.template.segments.length === segments) ?? (all[all.length - 1] as ApiBinding);
  const valid = validateName(parent, chosen.template, 'parent').split('/');
  return { project: valid[1] as string, location: valid[3] };
}

/**
 * The method a REST request is for and the (decoded, not yet validated) parent its path
 * carries, or undefined when no binding has the path's shape.
 */
export function matchApiPath(
  api: Api,
  verb: string,
  path: string,
): { readonly method: ApiMethod; readonly parent: string } | undefined {
  if (verb !== 'POST') return undefined;
  for (const method of api.methods) {
    for (const { prefix, suffix } of method.bindings) {
      if (path.length <= prefix.length + suffix.length || !path.startsWith(prefix) || !path.endsWith(suffix)) {
        continue;
      }
      try {
        return { method, parent: decodeURIComponent(path.slice(prefix.length, path.length - suffix.length)) };
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}
