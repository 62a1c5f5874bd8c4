// Public surface of agent/telemetry: logger with redaction, secret registry. Self-metrics (prom-client)
// are imported from './self-metrics.js' by the collector only, so the handler and supervisor bundles do
// not carry prom-client (test/integration/packaging/bundle-inputs.test.ts).
export * from './logger.js';
export * from './redact.js';
