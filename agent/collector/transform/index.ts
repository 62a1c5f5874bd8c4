// Public surface of the agent-side KQL subset.
export { compileTransform, runTransform, type CompiledTransform, type TransformMode } from './agent-transform.js';
export { parseKql, KqlUnsupportedError, SUPPORTED_FUNCTIONS, type Expr, type Operator } from './kql-parser.js';
export { KqlSyntaxError } from './kql-lexer.js';
export { applyOperators, evaluate } from './kql-evaluator.js';
