// Public surface of the heartbeat source: the component, its spec and its stream. Code outside this
// folder imports only this file.
export { HeartbeatSource, HEARTBEAT_STREAM, HEARTBEAT_INTERVAL_MS, type HeartbeatSpec } from './heartbeat-source.js';
