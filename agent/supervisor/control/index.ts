// Public surface the handler uses: start/stop the supervisor and talk to it over the control socket.
export { ensureSupervisorRunning, stopSupervisor, isAlive, systemdAvailable, type EnsureRunningOptions } from './launcher.js';
export { SupervisorClient, SupervisorUnavailableError } from './client.js';
export type { ApplyResult, SupervisorStatus, CollectorState, ControlRequest, ControlResponse } from './protocol.js';
export type { CollectorHealth } from '../../collector/ipc.js';
export { healthSubstatus } from './health-substatus.js';
export { renderUnitFile, UNIT_NAME } from './unit-file.js';
