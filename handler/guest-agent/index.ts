// Public surface of the guest agent protocol (docs/guest-agent-protocol.md): HandlerEnvironment, sequence number
// and mrseq, settings file, protected settings, status file, heartbeat and telemetry events.
export * from './handler-environment.js';
export * from './sequence.js';
export * from './settings-file.js';
export * from './protected-settings.js';
export * from './status-file.js';
export * from './heartbeat.js';
export * from './events.js';
