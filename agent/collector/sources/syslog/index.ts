// Public surface of the syslog source: the component, its listener, the parsers, and the syslog
// daemon integration (see docs/syslog.md).
export {
  SyslogSource,
  type SyslogSourceSpec,
  type SyslogSourceStats,
  HIGH_WATERMARK,
  LOW_WATERMARK,
  BATCH_MAX_RECORDS,
  BATCH_MAX_DELAY_MS,
} from './syslog-source.js';
export {
  SyslogListener,
  DEFAULT_SYSLOG_PORT,
  type SyslogListenerOptions,
  type SyslogMessageHandler,
} from './listener.js';
export { SyslogFramer } from './framing.js';
export {
  compileFilter,
  filterSelects,
  SYSLOG_STREAM,
  CEF_STREAM,
  type SyslogFilter,
  type SyslogStream,
  type CompiledFilter,
} from './filter.js';
export {
  parseMessage,
  MAX_MESSAGE_BYTES,
  type ParsedMessage,
  type ParseContext,
  type SyslogRecord,
} from './parse-message.js';
export { parseRfc3164 } from './rfc3164.js';
export { parseRfc5424 } from './rfc5424.js';
export { parseCefMessage, parseCef, parseCefExtension, splitCefHeader, isCef } from './cef.js';
export { recognizeCisco, parseKeyValueBody, type VendorInfo } from './vendor.js';
export type { ParseProblem, SyslogHeader } from './header.js';
export { FACILITIES, SEVERITIES, DCR_LEVELS, DCR_ONLY_FACILITIES } from './names.js';
export {
  COMMON_SECURITY_LOG_COLUMNS,
  COMMON_SECURITY_LOG_SYSTEM_COLUMNS,
  COMMON_SECURITY_LOG_TYPES,
  type LogAnalyticsColumnType,
  type TableColumn,
} from './common-security-log-columns.js';
export {
  applySyslogDaemonConfig,
  removeSyslogDaemonConfig,
  installSyslogDaemonFile,
  detectSyslogDaemon,
  renderRsyslogConfig,
  renderSyslogNgConfig,
  type ApplySyslogDaemonOptions,
  type SyslogDaemonResult,
  type SyslogDaemon,
  type SyslogSelector,
  type SyslogDaemonTools,
} from './daemon-config/index.js';
