// Public surface of the agent-side KQL subset.
export {
  compileTransform,
  companionTransformMode,
  runTransform,
  splitTransform,
  type CompiledTransform,
  type TransformMode,
  type TransformSplit,
} from './agent-transform.js';
export { parseKql, parseKqlPrefix, KqlUnsupportedError, type Expr, type Operator } from './kql-parser.js';
export { SUPPORTED_FUNCTIONS } from './kql-vocabulary.js';
export { KqlSyntaxError } from './kql-lexer.js';
export { applyOperators, evaluate, RECORD_BUDGET, type ApplyResult } from './kql-evaluator.js';
