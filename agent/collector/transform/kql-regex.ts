// Regular expressions of the agent-side KQL subset (trim, trim_start, trim_end, extract, replace_regex,
// `matches regex`). KQL's regex syntax is RE2's, and RE2JS (a pure-JS RE2 port) matches in time linear
// in the input, so no pattern and no log line can make a match backtrack. Patterns are string literals
// compiled once with the transform: an invalid one is an error of the transform (left to the service),
// never a per-record throw. Every run is charged to the record's evaluation budget before it starts.
import { RE2JS, RE2JSException } from 're2js';
import { KqlSyntaxError } from './kql-lexer.js';

/** Charged to a record's budget; throws when the record's budget is spent (see kql-evaluator.ts). */
export type Charge = (units: number) => void;

export interface CompiledRegex {
  pattern: string;
  /** The pattern itself (extract, replace_regex, matches regex). */
  re: RE2JS;
  /** `^(?:p)+` and `(?:p)+$`, for the trim functions. */
  leading: RE2JS;
  trailing: RE2JS;
}

function compileOne(pattern: string, pos: number): RE2JS {
  try {
    return RE2JS.compile(pattern);
  } catch (err) {
    if (err instanceof RE2JSException)
      throw new KqlSyntaxError(`invalid regular expression ${JSON.stringify(pattern)}: ${err.message}`, pos);
    throw err;
  }
}

/** Compiles a pattern literal at offset `pos` of the transform; an invalid pattern throws KqlSyntaxError. */
export function compileRegex(pattern: string, pos: number): CompiledRegex {
  const re = compileOne(pattern, pos); // the user's pattern alone first: `a)(b` must not pass once wrapped
  return { pattern, re, leading: compileOne(`^(?:${pattern})+`, pos), trailing: compileOne(`(?:${pattern})+$`, pos) };
}

/** Work units of one unanchored search over `length` characters: RE2 steps at most once per instruction per character. */
function searchCost(re: RE2JS, length: number): number {
  return (length + 1) * Math.max(1, re.programSize());
}

export function regexMatches(c: CompiledRegex, s: string, charge: Charge): boolean {
  charge(searchCost(c.re, s.length));
  return c.re.matcher(s).find();
}

export function regexTrim(c: CompiledRegex, s: string, where: 'both' | 'start' | 'end', charge: Charge): string {
  let out = s;
  if (where !== 'end') {
    charge(searchCost(c.leading, out.length));
    const m = c.leading.matcher(out);
    if (m.lookingAt()) out = out.slice(m.end());
  }
  if (where !== 'start') {
    charge(searchCost(c.trailing, out.length));
    const m = c.trailing.matcher(out);
    if (m.find()) out = out.slice(0, m.start());
  }
  return out;
}

/** KQL extract(): the text of capture group `group` of the first match (0 = the whole match), else null. */
export function regexExtract(c: CompiledRegex, group: number, s: string, charge: Charge): string | null {
  if (!Number.isInteger(group) || group < 0 || group > c.re.groupCount()) return null;
  charge(searchCost(c.re, s.length));
  const m = c.re.matcher(s);
  return m.find() ? m.group(group) : null;
}

/** KQL replace_regex(): every match replaced by `rewrite`, where \0 … \9 insert capture groups. */
export function regexReplace(c: CompiledRegex, s: string, rewrite: string, charge: Charge): string {
  const m = c.re.matcher(s);
  const out: string[] = [];
  let copied = 0;
  let from = 0;
  // Each search is charged for the rest of the text: a pattern that scans ahead on every match
  // (`.*z|a`) is quadratic over the loop, and the budget ends it instead of the collector's time.
  while (from <= s.length) {
    charge(searchCost(c.re, s.length - from));
    if (!m.find(from)) break;
    const start = m.start();
    const end = m.end();
    out.push(s.slice(copied, start));
    charge(rewrite.length);
    out.push(
      rewrite.replace(/\\([0-9])/g, (_, d: string) => (Number(d) <= m.groupCount() ? (m.group(Number(d)) ?? '') : '')),
    );
    copied = end;
    from = end > start ? end : end + 1;
  }
  out.push(s.slice(copied));
  return out.join('');
}
