// Public surface the handler uses (docs/architecture.md): start/stop the supervisor and talk to it over the
// control socket. Nothing here starts timers or reads files at import time.
export {
  ensureSupervisorRunning,
  stopSupervisor,
  systemdAvailable,
  type EnsureRunningOptions,
  type EnsureRunningResult,
} from './launcher.js';
export { SupervisorClient, SupervisorUnavailableError } from './client.js';
export { isAlive } from './processes.js';
export type {
  ApplyResult,
  SupervisorStatus,
  CollectorState,
  CollectorStatus,
  ControlRequest,
  ControlResponse,
} from './protocol.js';
export type { CollectorHealth } from '../../collector/ipc.js';
export { healthSubstatus, destinationSubstatus, type HealthSubstatus } from './health-substatus.js';
export { renderUnitFile, UNIT_NAME, SUPERVISOR_MEMORY_HEADROOM_MB } from './unit-file.js';
