// Public surface of agent/config: the only module shared by handler, supervisor and collector (and the
// DCR tools: the JSON error-position scanner serves both settings files and DCR files).
export * from './agent-config.js';
export * from './atomic-file.js';
export * from './enabled-state.js';
export * from './json-error-position.js';
export * from './paths.js';
export * from './version.js';
export * from './random-name.js';
