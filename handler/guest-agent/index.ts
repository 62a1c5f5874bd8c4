// Public surface of the guest agent protocol modules (PROTOCOL.md).
export * from './handler-environment.js';
export * from './sequence.js';
export * from './settings-file.js';
export * from './protected-settings.js';
export * from './status-file.js';
export * from './heartbeat.js';
export * from './events.js';
