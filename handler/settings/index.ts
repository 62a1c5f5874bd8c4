// Public surface of handler/settings: settings → AgentConfig.
export { buildAgentConfig, type BuildInput } from './normalize.js';
export { describeErrors } from './validation-messages.js';
