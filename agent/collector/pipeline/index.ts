// Public surface of the pipeline: the contracts between components (records, lifecycle, sink, drops), the
// graph as data, the DCR → graph planner and the Pipeline that applies a graph (lanes and the router stay
// inside). Code outside this folder imports only this file.
export type {
  LogRecord,
  Component,
  RecordSink,
  DropReason,
  DropCounter,
  CheckpointStore,
  ComponentContext,
  SourceContext,
} from './types.js';
export {
  nodeKey,
  stableStringify,
  diffNodes,
  describeGraph,
  type SourceKind,
  type DestinationKind,
  type SourceNode,
  type PerfNodeSpec,
  type SyslogNodeSpec,
  type TextLogNodeSpec,
  type DestinationNode,
  type LaneNode,
  type RouteNode,
  type PipelineGraph,
  type GraphDiff,
} from './graph.js';
export { Pipeline, type PipelineFactories, type PipelineDeps, type ApplyReport } from './pipeline.js';
export { buildPipelineGraph, syslogFilterKey, type DcrInput, type BuildContext } from './plan-to-graph.js';
export { MAX_FIELD_BYTES } from './lane.js';
