// Public surface of agent/telemetry: logger with redaction, secret registry, self-metrics.
export * from './logger.js';
export * from './redact.js';
export * from './self-metrics.js';
