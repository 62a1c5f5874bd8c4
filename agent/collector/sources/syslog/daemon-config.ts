// Former entry point, kept for existing callers (component factories pass `filters`): see daemon-config/.
import {
  applySyslogDaemonConfig as apply,
  renderRsyslogConfig,
  unionOf,
  type ApplySyslogDaemonOptions,
  type SyslogDaemonResult,
  type SyslogSelector,
} from './daemon-config/index.js';

export * from './daemon-config/index.js';

/** applySyslogDaemonConfig accepting the selections as `filters` (the pipeline's SyslogFilterSpec list) or `selectors`. */
export function applySyslogDaemonConfig(
  o: Omit<ApplySyslogDaemonOptions, 'selectors'> & ({ selectors: SyslogSelector[] } | { filters: SyslogSelector[] }),
): Promise<SyslogDaemonResult> {
  const selectors = 'selectors' in o ? o.selectors : o.filters;
  return apply({ ...o, selectors });
}

/** The rsyslog drop-in text for these selections (tests run it in a real rsyslogd). */
export function renderRsyslogDropIn(selectors: SyslogSelector[], port: number): string {
  return renderRsyslogConfig(unionOf(selectors), port);
}
