// Finds the DCRs in whatever file a user has (pure): an ARM resource ({ properties }), a bare request body,
// `az monitor data-collection rule show` output (properties flattened), a JSON array of DCRs, an ARM template
// or policy definition holding Microsoft.Insights/dataCollectionRules resources (at any depth; ARM
// expressions stay as they are), or a REST API example (parameters.body, responses.<code>.body).
// Text that is not JSON is reported with its line and column.
import { jsonErrorPosition } from '../../config/index.js';

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

/** JSON.parse with the error placed at its line and column. */
export function parseJsonText(text: string): { ok: true; value: unknown } | { ok: false; reason: string } {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  try {
    return { ok: true, value: JSON.parse(body) as unknown };
  } catch (err) {
    const at = jsonErrorPosition(body);
    const where = at ? ` at line ${at.line} column ${at.column}` : '';
    const reason = (err as Error).message.split('\n')[0]!.slice(0, 200);
    return { ok: false, reason: `not valid JSON${where}: ${reason}` };
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
