// Public surface of the perf source: the component and its spec, the counter specifiers it supports (DCR
// analysis checks them) and the /proc sampler (the benchmark samples with it). Code outside this folder
// imports only this file.
export { PerfSource, type PerfSourceSpec } from './perf-source.js';
export { resolveSpecifiers, parseSpecifier, SUPPORTED, type CounterSpec } from './counters.js';
export { takeSample, computeValues, type RawSample, type CounterValue } from './sampler.js';
