// The vocabulary of the agent-side KQL subset: the scalar functions, the comparison operators and the
// functions that take a regular expression (which argument, how many arguments).

export const SUPPORTED_FUNCTIONS = new Set([
  'tostring',
  'toint',
  'tolong',
  'toreal',
  'todouble',
  'tobool',
  'toboolean',
  'parse_json',
  'todynamic',
  'isempty',
  'isnotempty',
  'isnull',
  'isnotnull',
  'strlen',
  'tolower',
  'toupper',
  'trim',
  'trim_start',
  'trim_end',
  'extract',
  'replace_regex',
  'substring',
  'strcat',
  'iif',
  'iff',
  'now',
  'not',
  'todatetime',
  'coalesce',
]);

export const COMPARISONS = new Set([
  '==',
  '!=',
  '<',
  '<=',
  '>',
  '>=',
  '=~',
  '!~',
  'has',
  '!has',
  'contains',
  '!contains',
  'startswith',
  '!startswith',
  'endswith',
  '!endswith',
  'has_cs',
  'contains_cs',
]);

/** Functions taking a regex: the index of the pattern argument and the argument counts allowed. */
export const REGEX_FUNCTIONS: Record<string, { arg: number; arity: number[] }> = {
  trim: { arg: 0, arity: [2] },
  trim_start: { arg: 0, arity: [2] },
  trim_end: { arg: 0, arity: [2] },
  extract: { arg: 0, arity: [3] },
  replace_regex: { arg: 1, arity: [3] },
};
