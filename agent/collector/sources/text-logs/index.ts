// Public surface of the text-log source: the component and its spec (docs/text-logs.md). Code outside
// this folder imports only this file.
export { TextLogSource, type TextLogSpec } from './text-log-source.js';
