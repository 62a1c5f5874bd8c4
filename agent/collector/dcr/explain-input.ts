// Finds the DCRs in whatever file a user has (pure): an ARM resource ({ properties }), a bare request body,
// `az monitor data-collection rule show` output (properties flattened), a JSON array of DCRs, an ARM template
// or policy definition holding Microsoft.Insights/dataCollectionRules resources (at any depth; ARM
// expressions stay as they are), or a REST API example (parameters.body, responses.<code>.body).
// Text that is not JSON is reported with its line and column.

export interface FoundDcr {
  /** Where in the file: "" for the file itself, else a JSON pointer ("/resources/2"). */
  pointer: string;
  /** Which form it was found as, for the user. */
  form: 'ARM resource' | 'request body' | 'az CLI output' | 'template resource' | 'REST example';
  json: Record<string, unknown>;
}

export type DcrFile = { ok: true; dcrs: FoundDcr[] } | { ok: false; reason: string };

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const DCR_TYPE = 'microsoft.insights/datacollectionrules';
const DCR_KEYS = ['dataSources', 'dataFlows', 'destinations', 'streamDeclarations', 'agentSettings'];

/** Line and column (1-based) of a character offset. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - before.lastIndexOf('\n') };
}

/** Offset of the first syntax error in JSON text (JSON.parse messages do not always carry one). */
export function jsonErrorOffset(t: string): number {
  let i = 0;
  const ws = (): void => {
    while (i < t.length && ' \t\n\r'.includes(t[i]!)) i++;
  };
  const fail = (): never => {
    throw i;
  };
  const lit = (w: string): void => {
    if (t.startsWith(w, i)) i += w.length;
    else fail();
  };
  const str = (): void => {
    i++;
    while (i < t.length && t[i] !== '"') {
      if (t.charCodeAt(i) < 0x20) fail();
      if (t[i] === '\\') {
        i++;
        if (t[i] === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(t.slice(i + 1, i + 5))) fail();
          i += 4;
        } else if (!'"\\/bfnrt'.includes(t[i] ?? 'x')) fail();
      }
      i++;
    }
    if (i >= t.length) fail();
    i++;
  };
  const value = (depth: number): void => {
    if (depth > 512) fail();
    ws();
    const c = t[i];
    if (c === '{' || c === '[') {
      const close = c === '{' ? '}' : ']';
      i++;
      ws();
      if (t[i] === close) return void i++;
      for (;;) {
        if (c === '{') {
          ws();
          if (t[i] !== '"') fail();
          str();
          ws();
          if (t[i] !== ':') fail();
          i++;
        }
        value(depth + 1);
        ws();
        if (t[i] === ',') i++;
        else if (t[i] === close) return void i++;
        else fail();
      }
    }
    if (c === '"') return str();
    if (c === 't') return lit('true');
    if (c === 'f') return lit('false');
    if (c === 'n') return lit('null');
    const m = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(t.slice(i, i + 400));
    if (!m) fail();
    i += m![0].length;
  };
  try {
    value(0);
    ws();
    return i < t.length ? i : t.length;
  } catch (at) {
    return typeof at === 'number' ? Math.min(at, t.length) : 0;
  }
}

/** JSON.parse with the error placed at its line and column. */
export function parseJsonText(text: string): { ok: true; value: unknown } | { ok: false; reason: string } {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  try {
    return { ok: true, value: JSON.parse(body) as unknown };
  } catch (err) {
    const offset = jsonErrorOffset(body);
    const at = lineColumn(body, offset);
    const reason = (err as Error).message.split('\n')[0]!.slice(0, 200);
    return { ok: false, reason: `not valid JSON at line ${at.line} column ${at.column}: ${reason}` };
  }
}

const looksLikeBody = (o: Json): boolean => DCR_KEYS.some((k) => Object.hasOwn(o, k));
const isDcrType = (v: unknown): boolean => typeof v === 'string' && v.toLowerCase() === DCR_TYPE;

/** The DCR form of one object, if it is one. */
function asDcr(o: Json): FoundDcr['form'] | undefined {
  // A template resource names its apiVersion; the resource as ARM returns it (GET) has a type but none.
  const resource = isDcrType(o.type) && o.apiVersion !== undefined ? 'template resource' : 'ARM resource';
  if (isObject(o.properties) && looksLikeBody(o.properties)) return resource;
  if (isObject(o.properties) && isDcrType(o.type)) return resource;
  if (looksLikeBody(o))
    return isDcrType(o.type) || typeof o.immutableId === 'string' ? 'az CLI output' : 'request body';
  return undefined;
}

function walk(v: unknown, pointer: string, out: FoundDcr[], depth: number): void {
  if (depth > 64) return;
  if (Array.isArray(v)) {
    v.forEach((x, i) => walk(x, `${pointer}/${i}`, out, depth + 1));
    return;
  }
  if (!isObject(v)) return;
  if (isDcrType(v.type) && isObject(v.properties)) {
    out.push({ pointer, form: 'template resource', json: v });
    return;
  }
  for (const [k, x] of Object.entries(v))
    walk(x, `${pointer}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`, out, depth + 1);
}

/** The DCRs in a parsed file, or why it holds none. */
export function findDcrs(value: unknown): DcrFile {
  if (Array.isArray(value)) {
    const dcrs: FoundDcr[] = [];
    for (const [i, x] of value.entries()) {
      const form = isObject(x) ? asDcr(x) : undefined;
      if (!form || !isObject(x))
        return {
          ok: false,
          reason: `element ${i} of the array is not a DCR (no dataSources, dataFlows or destinations)`,
        };
      dcrs.push({ pointer: `/${i}`, form, json: x });
    }
    return dcrs.length ? { ok: true, dcrs } : { ok: false, reason: 'an empty array holds no DCR' };
  }
  if (!isObject(value)) return { ok: false, reason: 'not a DCR: the file holds a JSON value that is not an object' };
  const form = asDcr(value);
  if (form) return { ok: true, dcrs: [{ pointer: '', form, json: value }] };
  // REST API example (x-ms-examples): the request body and every response body.
  if (isObject(value.parameters) && isObject(value.responses)) {
    const dcrs: FoundDcr[] = [];
    const body = value.parameters.body;
    if (isObject(body) && asDcr(body)) dcrs.push({ pointer: '/parameters/body', form: 'REST example', json: body });
    for (const [code, r] of Object.entries(value.responses)) {
      const rb = isObject(r) ? r.body : undefined;
      if (isObject(rb) && asDcr(rb)) dcrs.push({ pointer: `/responses/${code}/body`, form: 'REST example', json: rb });
      for (const [i, item] of (isObject(rb) && Array.isArray(rb.value) ? rb.value : []).entries())
        if (isObject(item) && asDcr(item))
          dcrs.push({ pointer: `/responses/${code}/body/value/${i}`, form: 'REST example', json: item });
    }
    if (dcrs.length) return { ok: true, dcrs };
  }
  const found: FoundDcr[] = [];
  walk(value, '', found, 0);
  if (found.length) return { ok: true, dcrs: found };
  return {
    ok: false,
    reason:
      'not a DCR: no dataSources, dataFlows or destinations, and no Microsoft.Insights/dataCollectionRules resource in it',
  };
}
