// Public surface of agent/config: the only module shared by handler, supervisor and collector.
export * from './agent-config.js';
export * from './atomic-file.js';
export * from './enabled-state.js';
export * from './paths.js';
export * from './version.js';
