// Public surface of the DCR folder: the DCR model the collector runs, its validation and analysis (the
// `open-ama dcr` commands), the `dcr fix` rewrites, the remote DCR sources (ARM, control plane) and the
// agent settings a DCR carries (docs/dcr-support.md). Code outside this folder imports only this file.
export { dcrProperties, BUILT_IN_COMPANIONS, type Dcr, type DataFlow, type ColumnDecl } from './model.js';
export type { PerfDataSource, SyslogDataSource, LogFileDataSource } from './model.js';
export { validateDcr, type DcrValidation } from './validate.js';
export { analyzeDcr, tableOf } from './analysis.js';
export {
  findingText,
  type DcrAnalysis,
  type Finding,
  type SourceReport,
  type RouteReport,
  type FlowReport,
  type DestinationReport,
} from './analysis-types.js';
export { findDcrs, parseJsonText, type FoundDcr, type DcrFile } from './explain-input.js';
export {
  fixDcr,
  fixDcrInPlace,
  addCompanionDeclarations,
  COMPANION_COLUMNS,
  HEARTBEAT_OUTPUT_STREAM,
  type FixResult,
} from './fix.js';
export {
  ArmDcrSource,
  ControlPlaneDcrSource,
  ARM_ASSOCIATIONS_API,
  ARM_DCR_API,
  type FetchedDcr,
  type RemoteDcrSource,
} from './remote-sources.js';
export { ARM_DCE_API, DEFAULT_DCE_TTL_MS } from './dce-resolver.js';
export {
  agentSettingsOf,
  AMA_MIN_DISK_QUOTA_MB,
  AMA_MAX_DISK_QUOTA_MB,
  type AgentSettingsResult,
} from './agent-settings.js';
