// W3C extended log format (IIS and others) line parser — pure, no I/O. `#Fields:` directives name the
// columns of the following lines (a later `#Fields:` replaces them: header changes mid-file), other
// directives (`#Software:`, `#Version:`, `#Date:`, `#Remark:` …) are recognised and skipped, entries are
// space-separated (a value in double quotes may contain spaces, `""` is a quote), `-` is "no value" and the
// column is left out. Field names become column names by dropping punctuation and camel-casing the parts
// (`cs-uri-stem` → `csUriStem`, `cs(User-Agent)` → `csUserAgent`, `date` → `date`): docs/azure-interfaces.md §8 lists no
// W3CIISLog schema, so the header's own names are kept in the only form a DCR column name allows.
// `date` + `time` (UTC by the W3C definition) become TimeGenerated; `time` alone uses the `#Date:` day.

export interface W3cState {
  /** Field names of the current `#Fields:` directive; undefined before the first one. */
  fields?: string[];
  /** Day (YYYY-MM-DD) of the last `#Date:` directive, for entries with `time` but no `date`. */
  date?: string;
}

export type W3cLine =
  | { kind: 'directive'; name: string; value: string }
  | { kind: 'blank' }
  | { kind: 'entry'; values: Record<string, string>; timeGenerated?: string }
  | { kind: 'error'; reason: 'no_fields_directive' | 'field_count_mismatch' | 'unterminated_quote' };

/** `cs(User-Agent)` → `csUserAgent`: parts split at anything not a letter or digit, later parts capitalised. */
export function w3cColumnName(field: string): string {
  const parts = field.split(/[^A-Za-z0-9]+/).filter((p) => p.length > 0);
  return parts.map((p, i) => (i === 0 ? p : p[0]!.toUpperCase() + p.slice(1))).join('');
}

/** Space-separated tokens; double-quoted tokens may hold spaces (`""` inside is one quote). */
export function splitW3cFields(line: string): string[] | undefined {
  const out: string[] = [];
  let i = 0;
  while (i < line.length) {
    while (line[i] === ' ' || line[i] === '\t') i++;
    if (i >= line.length) break;
    if (line[i] === '"') {
      let value = '';
      i++;
      for (;;) {
        if (i >= line.length) return undefined;
        if (line[i] === '"') {
          if (line[i + 1] === '"') {
            value += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        value += line[i];
        i++;
      }
      out.push(value);
    } else {
      const start = i;
      while (i < line.length && line[i] !== ' ' && line[i] !== '\t') i++;
      out.push(line.slice(start, i));
    }
  }
  return out;
}

/** Parses one line (without its newline) and updates `state` for directives. */
export function parseW3cLine(line: string, state: W3cState): W3cLine {
  const text = line.replace(/\r$/, '');
  if (text.trim() === '') return { kind: 'blank' };
  if (text.startsWith('#')) {
    const colon = text.indexOf(':');
    const name = (colon < 0 ? text.slice(1) : text.slice(1, colon)).trim();
    const value = colon < 0 ? '' : text.slice(colon + 1).trim();
    if (name === 'Fields') state.fields = value.split(/\s+/).filter((f) => f.length > 0);
    else if (name === 'Date') {
      const m = /^(\d{4}-\d{2}-\d{2})/.exec(value);
      if (m) state.date = m[1];
    }
    return { kind: 'directive', name, value };
  }
  if (!state.fields) return { kind: 'error', reason: 'no_fields_directive' };
  const tokens = splitW3cFields(text);
  if (!tokens) return { kind: 'error', reason: 'unterminated_quote' };
  if (tokens.length !== state.fields.length) return { kind: 'error', reason: 'field_count_mismatch' };
  const values: Record<string, string> = {};
  let date: string | undefined;
  let time: string | undefined;
  state.fields.forEach((field, i) => {
    const v = tokens[i]!;
    if (field === 'date') date = v;
    if (field === 'time') time = v;
    if (v === '-') return;
    values[w3cColumnName(field)] = v;
  });
  const day = date && date !== '-' ? date : state.date;
  const timeGenerated = day && time && time !== '-' ? toIso(day, time) : undefined;
  return { kind: 'entry', values, ...(timeGenerated ? { timeGenerated } : {}) };
}

function toIso(day: string, time: string): string | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day) || !/^\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(time)) return undefined;
  const [h, m, s = '00'] = time.split(':') as [string, string, string?];
  const iso = `${day}T${h.padStart(2, '0')}:${m}:${s}Z`;
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}
